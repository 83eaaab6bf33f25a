# expect: TVL015
# style: recommender click-through-rate (DeepFM-like) repo with make_loaders(); split names used as keys
# bug: make_loaders sets shuffle=(split == "training") but the splits are named "train"/"valid"/"test", so the training loader is never shuffled (and the data is sorted by day)
import argparse
import logging

import numpy as np
import torch
import torch.nn as nn
from torch.utils.data import DataLoader, Dataset

log = logging.getLogger("ctr")
FIELD_DIMS = [1000, 500, 50, 24, 7, 200]


class ClickLog(Dataset):
    """Impressions sorted by day, as exported from the warehouse."""

    def __init__(self, n, seed):
        rng = np.random.default_rng(seed)
        self.x = np.stack([rng.integers(0, d, n) for d in FIELD_DIMS], 1).astype(np.int64)
        self.x = self.x[np.argsort(self.x[:, 4], kind="stable")]  # field 4 = day of week
        self.y = (rng.random(n) < 0.05 + 0.1 * (self.x[:, 3] > 18)).astype(np.float32)

    def __len__(self):
        return len(self.y)

    def __getitem__(self, i):
        return torch.from_numpy(self.x[i]), torch.tensor(self.y[i])


def make_loaders(batch_size):
    sizes = {"train": 200000, "valid": 20000, "test": 20000}
    loaders = {}
    for seed, (split, n) in enumerate(sizes.items()):
        loaders[split] = DataLoader(ClickLog(n, seed), batch_size=batch_size,
                                    shuffle=(split == "training"), num_workers=2, pin_memory=True)
    return loaders


class DeepFM(nn.Module):
    def __init__(self, field_dims, k=16, hidden=(256, 128)):
        super().__init__()
        self.offsets = torch.tensor(np.concatenate([[0], np.cumsum(field_dims)[:-1]]), dtype=torch.long)
        n = sum(field_dims)
        self.lin = nn.Embedding(n, 1)
        self.emb = nn.Embedding(n, k)
        layers, d = [], len(field_dims) * k
        for h in hidden:
            layers += [nn.Linear(d, h), nn.BatchNorm1d(h), nn.ReLU(), nn.Dropout(0.2)]
            d = h
        self.mlp = nn.Sequential(*layers, nn.Linear(d, 1))

    def forward(self, x):
        x = x + self.offsets.to(x.device)
        e = self.emb(x)
        fm = 0.5 * (e.sum(1).pow(2) - e.pow(2).sum(1)).sum(1, keepdim=True)
        return (self.lin(x).sum(1) + fm + self.mlp(e.flatten(1))).squeeze(1)


def auc(scores, labels):
    order = np.argsort(scores)
    ranks = np.empty(len(scores))
    ranks[order] = np.arange(1, len(scores) + 1)
    pos = labels == 1
    return (ranks[pos].sum() - pos.sum() * (pos.sum() + 1) / 2) / max(pos.sum() * (~pos).sum(), 1)


def evaluate(model, loader, device):
    model.eval()
    s, l = [], []
    with torch.no_grad():
        for x, y in loader:
            s.append(model(x.to(device)).cpu().numpy())
            l.append(y.numpy())
    return auc(np.concatenate(s), np.concatenate(l))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--bs", type=int, default=2048)
    ap.add_argument("--epochs", type=int, default=3)
    ap.add_argument("--lr", type=float, default=1e-3)
    args = ap.parse_args()
    logging.basicConfig(level=logging.INFO)
    dev = torch.device("cuda" if torch.cuda.is_available() else "cpu")
    loaders = make_loaders(args.bs)
    model = DeepFM(FIELD_DIMS).to(dev)
    opt = torch.optim.Adam(model.parameters(), lr=args.lr, weight_decay=1e-6)
    crit = nn.BCEWithLogitsLoss()
    for ep in range(args.epochs):
        model.train()
        for i, (x, y) in enumerate(loaders["train"]):
            loss = crit(model(x.to(dev)), y.to(dev))
            opt.zero_grad()
            loss.backward()
            opt.step()
            if i % 20 == 0:
                log.info("ep %d it %d logloss %.4f", ep, i, loss.item())
        log.info("ep %d valid AUC %.4f", ep, evaluate(model, loaders["valid"], dev))
    log.info("test AUC %.4f", evaluate(model, loaders["test"], dev))


if __name__ == "__main__":
    main()
