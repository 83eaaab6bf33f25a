# expect: TVL005
# style: research repo config-dict model, tabular classification with residual MLP blocks
# bug: ResMLP stores its blocks in a plain Python list (self.blocks = [...]), so they are not registered: their parameters are missing from model.parameters(), the optimizer and the state_dict.
import argparse
import json

import torch
import torch.nn as nn
import torch.nn.functional as F
from torch.utils.data import DataLoader, TensorDataset

CONFIG = {
    "d_in": 54,
    "d_model": 256,
    "n_blocks": 4,
    "dropout": 0.15,
    "n_classes": 7,
    "lr": 1e-3,
    "epochs": 12,
    "batch_size": 512,
}


class ResBlock(nn.Module):
    def __init__(self, d, p):
        super().__init__()
        self.norm = nn.LayerNorm(d)
        self.ff1 = nn.Linear(d, d * 2)
        self.ff2 = nn.Linear(d * 2, d)
        self.drop = nn.Dropout(p)

    def forward(self, x):
        return x + self.drop(self.ff2(F.gelu(self.ff1(self.norm(x)))))


class ResMLP(nn.Module):
    def __init__(self, cfg):
        super().__init__()
        self.inp = nn.Linear(cfg["d_in"], cfg["d_model"])
        self.blocks = [ResBlock(cfg["d_model"], cfg["dropout"]) for _ in range(cfg["n_blocks"])]
        self.out_norm = nn.LayerNorm(cfg["d_model"])
        self.head = nn.Linear(cfg["d_model"], cfg["n_classes"])

    def forward(self, x):
        h = self.inp(x)
        for blk in self.blocks:
            h = blk(h)
        return self.head(self.out_norm(h))


def build_data(cfg, n_train=20000, n_val=4000):
    def make(n):
        x = torch.randn(n, cfg["d_in"])
        y = (x[:, :7].argmax(1) + (x[:, 7] > 1).long()) % cfg["n_classes"]
        return TensorDataset(x, y)
    return (DataLoader(make(n_train), batch_size=cfg["batch_size"], shuffle=True),
            DataLoader(make(n_val), batch_size=cfg["batch_size"]))


def evaluate(model, loader):
    model.eval()
    correct = total = 0
    with torch.no_grad():
        for x, y in loader:
            correct += (model(x).argmax(1) == y).sum().item()
            total += len(y)
    model.train()
    return correct / total


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--override", type=json.loads, default="{}")
    args = ap.parse_args()
    cfg = {**CONFIG, **args.override}
    train_dl, val_dl = build_data(cfg)
    model = ResMLP(cfg)
    n_params = sum(p.numel() for p in model.parameters())
    print(f"model params: {n_params/1e3:.1f}k")
    opt = torch.optim.AdamW(model.parameters(), lr=cfg["lr"], weight_decay=1e-4)
    model.train()
    for epoch in range(cfg["epochs"]):
        tot, n = 0.0, 0
        for x, y in train_dl:
            loss = F.cross_entropy(model(x), y)
            opt.zero_grad()
            loss.backward()
            opt.step()
            tot += loss.item() * len(y)
            n += len(y)
        print(json.dumps({"epoch": epoch, "loss": round(tot / n, 4), "val_acc": round(evaluate(model, val_dl), 4)}))
    torch.save(model.state_dict(), "resmlp.pt")


if __name__ == "__main__":
    main()
