# expect: clean
# style: tabular multi-class (forest cover type) script; validation loader is shuffled
# note: the validation DataLoader has shuffle=True, which looks like the order-dependent-eval bug, but every metric (accuracy, per-class counts, macro-F1 via a confusion matrix) is accumulated from (prediction, label) pairs taken from the same batch, so the order does not matter
import argparse
import json

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F
from torch.utils.data import DataLoader, TensorDataset

N_CLASSES = 7


def make_cover_data(n, seed):
    rng = np.random.default_rng(seed)
    elevation = rng.normal(2800, 300, n)
    slope = rng.uniform(0, 45, n)
    hydro = rng.exponential(200, n)
    soil = rng.integers(0, 40, n)
    wild = rng.integers(0, 4, n)
    cls = np.clip(((elevation - 2000) / 250 + 0.02 * slope + (soil % 3)).astype(int), 0, N_CLASSES - 1)
    num = np.stack([elevation, slope, hydro], 1).astype(np.float32)
    cat = np.stack([soil, wild], 1)
    return num, cat, cls


class CoverNet(nn.Module):
    def __init__(self, n_num=3, hidden=256):
        super().__init__()
        self.soil = nn.Embedding(40, 16)
        self.wild = nn.Embedding(4, 4)
        self.mlp = nn.Sequential(
            nn.Linear(n_num + 20, hidden), nn.BatchNorm1d(hidden), nn.ReLU(), nn.Dropout(0.2),
            nn.Linear(hidden, hidden), nn.BatchNorm1d(hidden), nn.ReLU(), nn.Dropout(0.2),
            nn.Linear(hidden, N_CLASSES),
        )

    def forward(self, num, cat):
        return self.mlp(torch.cat([num, self.soil(cat[:, 0]), self.wild(cat[:, 1])], 1))


def confusion(model, loader):
    model.eval()
    cm = torch.zeros(N_CLASSES, N_CLASSES, dtype=torch.long)
    with torch.no_grad():
        for num, cat, y in loader:
            pred = model(num, cat).argmax(1)
            cm += torch.bincount(y * N_CLASSES + pred, minlength=N_CLASSES ** 2).view(N_CLASSES, N_CLASSES)
    return cm


def summarize(cm):
    tp = cm.diag().float()
    prec = tp / cm.sum(0).clamp(min=1)
    rec = tp / cm.sum(1).clamp(min=1)
    f1 = 2 * prec * rec / (prec + rec).clamp(min=1e-8)
    return {"acc": (tp.sum() / cm.sum()).item(), "macro_f1": f1.mean().item()}


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--epochs", type=int, default=20)
    ap.add_argument("--bs", type=int, default=512)
    ap.add_argument("--lr", type=float, default=2e-3)
    args = ap.parse_args()
    torch.manual_seed(0)

    num, cat, cls = make_cover_data(60000, 0)
    mu, sd = num[:50000].mean(0), num[:50000].std(0)
    num = (num - mu) / sd
    t = lambda a, dt: torch.tensor(a, dtype=dt)
    train_ds = TensorDataset(t(num[:50000], torch.float32), t(cat[:50000], torch.long), t(cls[:50000], torch.long))
    val_ds = TensorDataset(t(num[50000:], torch.float32), t(cat[50000:], torch.long), t(cls[50000:], torch.long))
    train_dl = DataLoader(train_ds, batch_size=args.bs, shuffle=True, drop_last=True)
    val_dl = DataLoader(val_ds, batch_size=2048, shuffle=True)

    model = CoverNet()
    opt = torch.optim.AdamW(model.parameters(), lr=args.lr, weight_decay=1e-4)
    history = []
    for epoch in range(args.epochs):
        model.train()
        running = 0.0
        for n_, c_, y_ in train_dl:
            loss = F.cross_entropy(model(n_, c_), y_)
            opt.zero_grad()
            loss.backward()
            opt.step()
            running += loss.item()
        stats = summarize(confusion(model, val_dl))
        stats.update(epoch=epoch, loss=running / len(train_dl))
        history.append(stats)
        print(json.dumps(stats))
    with open("cover_history.json", "w") as f:
        json.dump(history, f)
    torch.save(model.state_dict(), "covernet.pt")


if __name__ == "__main__":
    main()
