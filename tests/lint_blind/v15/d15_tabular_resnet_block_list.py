# expect: TVL005
# style: tabular deep learning (credit default), config dict + make_blocks() helper, CPU script
# bug: make_blocks() returns a plain Python list that is stored as self.blocks, so the residual blocks are not registered: their weights are not in model.parameters(), never optimized and not saved
import argparse
import json
import os

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F
from torch.utils.data import DataLoader, TensorDataset

CONFIG = {
    "d_model": 128,
    "n_blocks": 4,
    "d_hidden_factor": 2.0,
    "dropout": 0.15,
    "lr": 1e-3,
    "weight_decay": 1e-5,
    "batch_size": 512,
    "epochs": 25,
}


class ResidualBlock(nn.Module):
    def __init__(self, d, factor, dropout):
        super().__init__()
        h = int(d * factor)
        self.norm = nn.BatchNorm1d(d)
        self.lin1 = nn.Linear(d, h)
        self.lin2 = nn.Linear(h, d)
        self.drop = nn.Dropout(dropout)

    def forward(self, x):
        z = self.lin1(self.norm(x))
        z = self.drop(F.relu(z))
        return x + self.drop(self.lin2(z))


def make_blocks(cfg):
    return [ResidualBlock(cfg["d_model"], cfg["d_hidden_factor"], cfg["dropout"]) for _ in range(cfg["n_blocks"])]


class TabResNet(nn.Module):
    def __init__(self, n_num, cat_cards, cfg):
        super().__init__()
        d = cfg["d_model"]
        self.cat_emb = nn.ModuleList([nn.Embedding(c, 8) for c in cat_cards])
        self.first = nn.Linear(n_num + 8 * len(cat_cards), d)
        self.blocks = make_blocks(cfg)
        self.head = nn.Sequential(nn.BatchNorm1d(d), nn.ReLU(), nn.Linear(d, 1))

    def forward(self, x_num, x_cat):
        embs = [emb(x_cat[:, i]) for i, emb in enumerate(self.cat_emb)]
        x = self.first(torch.cat([x_num] + embs, dim=1))
        for blk in self.blocks:
            x = blk(x)
        return self.head(x).squeeze(-1)


def synth(n, seed):
    rng = np.random.default_rng(seed)
    x_num = rng.normal(size=(n, 12)).astype(np.float32)
    x_cat = np.stack([rng.integers(0, c, n) for c in (5, 12, 3)], 1)
    logit = x_num[:, 0] - 0.5 * x_num[:, 3] + 0.8 * (x_cat[:, 1] % 3 == 0) + 0.3 * x_num[:, 5] * x_num[:, 6]
    y = (rng.random(n) < 1 / (1 + np.exp(-logit))).astype(np.float32)
    return torch.from_numpy(x_num), torch.from_numpy(x_cat).long(), torch.from_numpy(y)


def evaluate(model, loader):
    model.eval()
    correct, total, loss_sum = 0, 0, 0.0
    with torch.no_grad():
        for xn, xc, y in loader:
            logit = model(xn, xc)
            loss_sum += F.binary_cross_entropy_with_logits(logit, y, reduction="sum").item()
            correct += ((logit > 0).float() == y).sum().item()
            total += y.numel()
    return loss_sum / total, correct / total


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--config", default=None, help="optional json overriding CONFIG")
    ap.add_argument("--out", default="tabresnet_out")
    args = ap.parse_args()
    cfg = dict(CONFIG)
    if args.config:
        with open(args.config) as f:
            cfg.update(json.load(f))
    os.makedirs(args.out, exist_ok=True)
    torch.manual_seed(0)

    train = TensorDataset(*synth(30000, 0))
    val = TensorDataset(*synth(6000, 1))
    train_dl = DataLoader(train, batch_size=cfg["batch_size"], shuffle=True, drop_last=True)
    val_dl = DataLoader(val, batch_size=2048)

    model = TabResNet(12, (5, 12, 3), cfg)
    n_params = sum(p.numel() for p in model.parameters())
    print(f"model params: {n_params:,}")
    opt = torch.optim.AdamW(model.parameters(), lr=cfg["lr"], weight_decay=cfg["weight_decay"])

    best = 0.0
    for epoch in range(cfg["epochs"]):
        model.train()
        for xn, xc, y in train_dl:
            opt.zero_grad()
            loss = F.binary_cross_entropy_with_logits(model(xn, xc), y)
            loss.backward()
            opt.step()
        vl, va = evaluate(model, val_dl)
        print(f"epoch {epoch} val_loss {vl:.4f} val_acc {va:.4f}")
        if va > best:
            best = va
            torch.save(model.state_dict(), os.path.join(args.out, "best.pt"))
    print("best val acc", best)


if __name__ == "__main__":
    main()
