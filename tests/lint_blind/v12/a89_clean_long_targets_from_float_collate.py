# expect: clean
# style: pandas-backed Dataset whose label column is float (read from CSV), collate casts to long; plus a regression target reshaped to match a (B, 1) head
# note: the labels are stored as float in the frame, which looks like float class indices for cross_entropy, but collate() converts them with .long(); the auxiliary (B, 1) regression head is compared with target.unsqueeze(1)
import argparse
import logging

import numpy as np
import pandas as pd
import torch
import torch.nn as nn
import torch.nn.functional as F
from torch.utils.data import DataLoader, Dataset

log = logging.getLogger("wine")


def load_frame(n=6000, seed=0):
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n, 11))
    quality = np.clip(np.round(5.5 + X[:, 0] + 0.5 * X[:, 1]), 3, 8)
    df = pd.DataFrame(X, columns=[f"x{i}" for i in range(11)])
    df["quality_class"] = (quality - 3).astype(float)  # CSV round-trip makes this float64
    df["alcohol"] = 10 + X[:, 2]
    return df


class WineDS(Dataset):
    def __init__(self, df):
        self.X = df[[f"x{i}" for i in range(11)]].values.astype(np.float32)
        self.cls = df["quality_class"].values
        self.alc = df["alcohol"].values.astype(np.float32)

    def __len__(self):
        return len(self.X)

    def __getitem__(self, i):
        return self.X[i], self.cls[i], self.alc[i]


def collate(batch):
    X, c, a = zip(*batch)
    return (torch.tensor(np.stack(X)), torch.tensor(np.array(c)).long(), torch.tensor(np.array(a)))


class WineNet(nn.Module):
    def __init__(self, n_classes=6):
        super().__init__()
        self.body = nn.Sequential(nn.Linear(11, 128), nn.ReLU(), nn.Linear(128, 64), nn.ReLU())
        self.cls_head = nn.Linear(64, n_classes)
        self.reg_head = nn.Linear(64, 1)

    def forward(self, x):
        h = self.body(x)
        return self.cls_head(h), self.reg_head(h)


def train(model, dl, val_dl, epochs, lr, aux_w):
    opt = torch.optim.Adam(model.parameters(), lr=lr)
    for ep in range(epochs):
        model.train()
        tot = 0.0
        for x, c, a in dl:
            logits, alc_pred = model(x)
            loss = F.cross_entropy(logits, c) + aux_w * F.mse_loss(alc_pred, a.unsqueeze(1))
            opt.zero_grad()
            loss.backward()
            opt.step()
            tot += loss.item()
        model.eval()
        hit, n = 0, 0
        with torch.no_grad():
            for x, c, _ in val_dl:
                hit += (model(x)[0].argmax(-1) == c).sum().item()
                n += len(c)
        log.info("epoch %d loss %.4f val acc %.4f", ep, tot / len(dl), hit / n)


if __name__ == "__main__":
    ap = argparse.ArgumentParser()
    ap.add_argument("--epochs", type=int, default=30)
    ap.add_argument("--lr", type=float, default=1e-3)
    ap.add_argument("--aux-w", type=float, default=0.1)
    args = ap.parse_args()
    logging.basicConfig(level=logging.INFO)
    df = load_frame()
    tr, va = df.iloc[:5000], df.iloc[5000:]
    dl = DataLoader(WineDS(tr), batch_size=64, shuffle=True, collate_fn=collate)
    val_dl = DataLoader(WineDS(va), batch_size=256, collate_fn=collate)
    model = WineNet()
    train(model, dl, val_dl, args.epochs, args.lr, args.aux_w)
    torch.save(model.state_dict(), "wine.pt")
