# expect: clean
# style: pandas-based tabular classification where labels are stored as floats in the CSV, collate casts them
# note: the Dataset yields float labels and the loss is cross_entropy, which looks like TVL009, but collate_fn converts the targets with .long() before they reach F.cross_entropy; the regression head is (B,) on both sides.
import argparse
import logging

import numpy as np
import pandas as pd
import torch
import torch.nn as nn
import torch.nn.functional as F
from torch.utils.data import DataLoader, Dataset

log = logging.getLogger("wine")


def make_frame(n, seed):
    rng = np.random.default_rng(seed)
    df = pd.DataFrame(rng.normal(size=(n, 11)), columns=[f"c{i}" for i in range(11)])
    score = 1.5 * df.c0 - df.c3 + 0.5 * df.c7 + rng.normal(0, 0.5, n)
    df["quality"] = pd.cut(score, bins=[-np.inf, -1, 0, 1, np.inf], labels=False).astype(float)  # 0.0 .. 3.0
    df["alcohol"] = 10 + score * 0.8
    return df


class WineDS(Dataset):
    def __init__(self, df):
        self.x = df[[f"c{i}" for i in range(11)]].values.astype(np.float32)
        self.cls = df["quality"].values            # float64 in the frame
        self.reg = df["alcohol"].values.astype(np.float32)

    def __len__(self):
        return len(self.cls)

    def __getitem__(self, i):
        return self.x[i], self.cls[i], self.reg[i]


def collate(batch):
    x, c, r = zip(*batch)
    return (torch.tensor(np.stack(x)),
            torch.tensor(np.array(c)).long(),
            torch.tensor(np.array(r), dtype=torch.float32))


class TwoHead(nn.Module):
    def __init__(self, d=11, n_cls=4):
        super().__init__()
        self.trunk = nn.Sequential(nn.Linear(d, 64), nn.ReLU(), nn.Linear(64, 64), nn.ReLU())
        self.cls = nn.Linear(64, n_cls)
        self.reg = nn.Linear(64, 1)

    def forward(self, x):
        h = self.trunk(x)
        return self.cls(h), self.reg(h).squeeze(-1)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--epochs", type=int, default=20)
    ap.add_argument("--reg-weight", type=float, default=0.1)
    args = ap.parse_args()
    logging.basicConfig(level=logging.INFO)
    train_dl = DataLoader(WineDS(make_frame(5000, 0)), batch_size=64, shuffle=True, collate_fn=collate)
    val_dl = DataLoader(WineDS(make_frame(1000, 1)), batch_size=256, collate_fn=collate)
    model = TwoHead()
    opt = torch.optim.Adam(model.parameters(), lr=2e-3)
    for epoch in range(args.epochs):
        model.train()
        tot = 0.0
        for x, c, r in train_dl:
            logits, alc = model(x)
            loss = F.cross_entropy(logits, c) + args.reg_weight * F.mse_loss(alc, r)
            opt.zero_grad()
            loss.backward()
            opt.step()
            tot += loss.item()
        model.eval()
        correct, abs_err, n = 0, 0.0, 0
        with torch.no_grad():
            for x, c, r in val_dl:
                logits, alc = model(x)
                correct += (logits.argmax(-1) == c).sum().item()
                abs_err += (alc - r).abs().sum().item()
                n += len(c)
        log.info("epoch %d loss %.4f acc %.4f alcohol_mae %.3f", epoch, tot / len(train_dl), correct / n, abs_err / n)
    torch.save(model.state_dict(), "wine_twohead.pt")


if __name__ == "__main__":
    main()
