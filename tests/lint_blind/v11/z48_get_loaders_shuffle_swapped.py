# expect: TVL015
# style: course-project utils.py style `get_loaders` helper returning train/val/test loaders for a tabular fraud model
# bug: `get_loaders` takes shuffle from the SPLIT_SHUFFLE table, which has train=False (and val=True), so the training loader iterates the time-sorted rows in fixed order with no sampler
import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F
from sklearn.metrics import roc_auc_score
from torch.utils.data import DataLoader, TensorDataset

SPLIT_SHUFFLE = {"train": False, "val": True, "test": False}


def make_splits(n=20000, d=30, seed=3):
    rng = np.random.default_rng(seed)
    x = rng.normal(size=(n, d)).astype(np.float32)
    logit = x[:, 0] * 2 - x[:, 3] + 0.5 * x[:, 7] - 4
    y = (rng.random(n) < 1 / (1 + np.exp(-logit))).astype(np.float32)
    order = np.argsort(x[:, 5])  # data comes sorted by transaction time
    x, y = x[order], y[order]
    a, b = int(0.7 * n), int(0.85 * n)
    return {"train": (x[:a], y[:a]), "val": (x[a:b], y[a:b]), "test": (x[b:], y[b:])}


def get_loaders(splits, batch_size=512):
    loaders = {}
    for name, (x, y) in splits.items():
        ds = TensorDataset(torch.from_numpy(x), torch.from_numpy(y))
        loaders[name] = DataLoader(ds, batch_size=batch_size, shuffle=SPLIT_SHUFFLE[name])
    return loaders


class FraudMLP(nn.Module):
    def __init__(self, d=30):
        super().__init__()
        self.net = nn.Sequential(nn.Linear(d, 128), nn.ReLU(), nn.Dropout(0.2), nn.Linear(128, 64), nn.ReLU(), nn.Linear(64, 1))

    def forward(self, x):
        return self.net(x).squeeze(-1)


@torch.no_grad()
def auc(model, loader):
    model.eval()
    ps, ys = [], []
    for x, y in loader:
        ps.append(torch.sigmoid(model(x)))
        ys.append(y)
    model.train()
    return roc_auc_score(torch.cat(ys).numpy(), torch.cat(ps).numpy())


def main():
    loaders = get_loaders(make_splits())
    model = FraudMLP()
    pos_frac = float(loaders["train"].dataset.tensors[1].mean())
    crit = nn.BCEWithLogitsLoss(pos_weight=torch.tensor((1 - pos_frac) / pos_frac))
    opt = torch.optim.Adam(model.parameters(), lr=1e-3)
    for epoch in range(10):
        model.train()
        for x, y in loaders["train"]:
            loss = crit(model(x), y)
            opt.zero_grad()
            loss.backward()
            opt.step()
        print(f"epoch {epoch} val AUC {auc(model, loaders['val']):.4f}")
    print("test AUC", auc(model, loaders["test"]))


if __name__ == "__main__":
    main()
