# expect: clean
# style: multi-task model built from a config dict with helper factories, CPU prototype (same shape as a buggy plain-list version)
# note: the per-task heads are created by a helper returning a plain dict, but the model wraps it in nn.ModuleDict, so the heads are registered and optimised.
import argparse
import json

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F
from torch.utils.data import DataLoader, TensorDataset

CONFIG = {"in_dim": 48, "trunk": [256, 128], "tasks": {"age": 1, "gender": 2, "income_band": 5},
          "dropout": 0.1, "lr": 1e-3, "epochs": 10, "batch_size": 256}


def mlp(dims, p):
    layers = []
    for a, b in zip(dims[:-1], dims[1:]):
        layers += [nn.Linear(a, b), nn.LayerNorm(b), nn.GELU(), nn.Dropout(p)]
    return nn.Sequential(*layers)


def make_heads(hidden, tasks):
    return {name: nn.Linear(hidden, out) for name, out in tasks.items()}


class MultiTaskNet(nn.Module):
    def __init__(self, cfg):
        super().__init__()
        self.trunk = mlp([cfg["in_dim"]] + cfg["trunk"], cfg["dropout"])
        self.heads = nn.ModuleDict(make_heads(cfg["trunk"][-1], cfg["tasks"]))

    def forward(self, x):
        h = self.trunk(x)
        return {name: head(h) for name, head in self.heads.items()}


def synthetic(n, d, seed):
    rng = np.random.default_rng(seed)
    x = rng.normal(size=(n, d)).astype(np.float32)
    age = (x[:, :4].sum(1) * 5 + 40).astype(np.float32)
    gender = (x[:, 4] > 0).astype(np.int64)
    income = np.digitize(x[:, 5] + x[:, 6], [-1.5, -0.5, 0.5, 1.5]).astype(np.int64)
    return TensorDataset(*(torch.from_numpy(a) for a in (x, age, gender, income)))


def losses(out, age, gender, income):
    return {"age": F.l1_loss(out["age"].squeeze(-1), age) / 10.0,
            "gender": F.cross_entropy(out["gender"], gender),
            "income_band": F.cross_entropy(out["income_band"], income)}


def main(cfg):
    torch.manual_seed(0)
    train_dl = DataLoader(synthetic(40000, cfg["in_dim"], 0), batch_size=cfg["batch_size"], shuffle=True)
    val_dl = DataLoader(synthetic(8000, cfg["in_dim"], 1), batch_size=4096)
    model = MultiTaskNet(cfg)
    print("params:", sum(p.numel() for p in model.parameters()))
    opt = torch.optim.Adam(model.parameters(), lr=cfg["lr"])
    for epoch in range(cfg["epochs"]):
        model.train()
        agg = {k: 0.0 for k in cfg["tasks"]}
        for x, age, gender, income in train_dl:
            ls = losses(model(x), age, gender, income)
            total = sum(ls.values())
            opt.zero_grad()
            total.backward()
            opt.step()
            for k, v in ls.items():
                agg[k] += v.item() / len(train_dl)
        model.eval()
        val = {k: 0.0 for k in cfg["tasks"]}
        with torch.no_grad():
            for x, age, gender, income in val_dl:
                for k, v in losses(model(x), age, gender, income).items():
                    val[k] += v.item() / len(val_dl)
        print(json.dumps({"epoch": epoch, "train": agg, "val": val}))


if __name__ == "__main__":
    ap = argparse.ArgumentParser()
    ap.add_argument("--config", default=None)
    a = ap.parse_args()
    if a.config:
        CONFIG.update(json.loads(a.config))
    main(CONFIG)
