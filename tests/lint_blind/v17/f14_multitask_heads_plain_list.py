# expect: TVL005
# style: multi-task tabular model built from a config dict, CPU research prototype
# bug: MultiTaskNet keeps its per-task heads in a plain Python list built by make_heads(), so they are not registered and model.parameters() hands the optimizer only the trunk.
import argparse
import json

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F
from torch.utils.data import DataLoader, TensorDataset

CONFIG = {
    "in_dim": 32,
    "trunk": [256, 128],
    "tasks": {"ctr": 1, "cvr": 1, "dwell": 1},
    "dropout": 0.1,
    "lr": 1e-3,
    "epochs": 8,
    "batch_size": 512,
}


def mlp(dims, dropout):
    layers = []
    for a, b in zip(dims[:-1], dims[1:]):
        layers += [nn.Linear(a, b), nn.ReLU(), nn.Dropout(dropout)]
    return nn.Sequential(*layers)


def make_heads(hidden, tasks):
    return [nn.Linear(hidden, out_dim) for out_dim in tasks.values()]


class MultiTaskNet(nn.Module):
    def __init__(self, cfg):
        super().__init__()
        self.task_names = list(cfg["tasks"])
        self.trunk = mlp([cfg["in_dim"]] + cfg["trunk"], cfg["dropout"])
        self.heads = make_heads(cfg["trunk"][-1], cfg["tasks"])

    def forward(self, x):
        h = self.trunk(x)
        return {name: head(h).squeeze(-1) for name, head in zip(self.task_names, self.heads)}


def synthetic(n, in_dim, seed):
    rng = np.random.default_rng(seed)
    x = rng.normal(size=(n, in_dim)).astype(np.float32)
    w = rng.normal(size=(in_dim, 3)).astype(np.float32)
    z = x @ w
    ctr = (z[:, 0] > 0).astype(np.float32)
    cvr = ((z[:, 1] > 0.5) & (ctr > 0)).astype(np.float32)
    dwell = np.abs(z[:, 2]).astype(np.float32)
    return TensorDataset(*(torch.from_numpy(a) for a in (x, ctr, cvr, dwell)))


def compute_losses(out, ctr, cvr, dwell):
    return {
        "ctr": F.binary_cross_entropy_with_logits(out["ctr"], ctr),
        "cvr": F.binary_cross_entropy_with_logits(out["cvr"], cvr),
        "dwell": F.mse_loss(out["dwell"], dwell),
    }


def main(cfg):
    torch.manual_seed(0)
    train_dl = DataLoader(synthetic(50_000, cfg["in_dim"], 0), batch_size=cfg["batch_size"], shuffle=True)
    val_dl = DataLoader(synthetic(10_000, cfg["in_dim"], 1), batch_size=4096)
    model = MultiTaskNet(cfg)
    opt = torch.optim.Adam(model.parameters(), lr=cfg["lr"])
    weights = {"ctr": 1.0, "cvr": 1.0, "dwell": 0.1}

    for epoch in range(cfg["epochs"]):
        model.train()
        agg = {k: 0.0 for k in weights}
        for x, ctr, cvr, dwell in train_dl:
            losses = compute_losses(model(x), ctr, cvr, dwell)
            total = sum(weights[k] * v for k, v in losses.items())
            opt.zero_grad()
            total.backward()
            opt.step()
            for k, v in losses.items():
                agg[k] += v.item() / len(train_dl)

        model.eval()
        val = {k: 0.0 for k in weights}
        with torch.no_grad():
            for x, ctr, cvr, dwell in val_dl:
                for k, v in compute_losses(model(x), ctr, cvr, dwell).items():
                    val[k] += v.item() / len(val_dl)
        print(json.dumps({"epoch": epoch, "train": agg, "val": val}))


if __name__ == "__main__":
    ap = argparse.ArgumentParser()
    ap.add_argument("--config", type=str, default=None, help="json overrides")
    a = ap.parse_args()
    if a.config:
        CONFIG.update(json.loads(a.config))
    main(CONFIG)
