# expect: clean
# style: imbalanced medical tabular classification; loader factory uses a WeightedRandomSampler for train
# note: the training DataLoader has no shuffle=True, but it is given a WeightedRandomSampler (shuffle must be off with a sampler), so order is randomised
import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F
from torch.utils.data import DataLoader, TensorDataset, WeightedRandomSampler


def class_balanced_sampler(labels):
    counts = np.bincount(labels.numpy())
    weights = 1.0 / counts[labels.numpy()]
    return WeightedRandomSampler(torch.as_tensor(weights, dtype=torch.double), num_samples=len(labels), replacement=True)


def build_loaders(x, y, bs=128):
    n = len(y)
    cut = int(0.8 * n)
    train_ds = TensorDataset(x[:cut], y[:cut])
    val_ds = TensorDataset(x[cut:], y[cut:])
    train = DataLoader(train_ds, batch_size=bs, sampler=class_balanced_sampler(y[:cut]), drop_last=True)
    val = DataLoader(val_ds, batch_size=512)
    return train, val


class Net(nn.Module):
    def __init__(self, d, n_cls):
        super().__init__()
        self.f = nn.Sequential(nn.Linear(d, 96), nn.ReLU(), nn.Dropout(0.3), nn.Linear(96, n_cls))

    def forward(self, x):
        return self.f(x)


def balanced_accuracy(pred, y, n_cls):
    recalls = [((pred == c) & (y == c)).sum().item() / max(1, (y == c).sum().item()) for c in range(n_cls)]
    return sum(recalls) / n_cls


def main():
    rng = np.random.default_rng(1)
    n, d, n_cls = 8000, 20, 3
    y = torch.from_numpy(rng.choice(n_cls, size=n, p=[0.9, 0.08, 0.02]))
    x = torch.randn(n, d) + y[:, None].float() * 0.7
    train_dl, val_dl = build_loaders(x, y)
    model = Net(d, n_cls)
    opt = torch.optim.Adam(model.parameters(), lr=1e-3)
    for ep in range(10):
        model.train()
        for xb, yb in train_dl:
            loss = F.cross_entropy(model(xb), yb)
            opt.zero_grad()
            loss.backward()
            opt.step()
        model.eval()
        with torch.no_grad():
            preds = torch.cat([model(xb).argmax(1) for xb, _ in val_dl])
        ys = torch.cat([yb for _, yb in val_dl])
        print(f"epoch {ep} balanced acc {balanced_accuracy(preds, ys, n_cls):.4f}")


if __name__ == "__main__":
    main()
