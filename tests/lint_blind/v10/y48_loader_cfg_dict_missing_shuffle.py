# expect: TVL015
# style: YAML-like config dict with per-split loader kwargs, graph-level regression
# bug: build_loaders() expands cfg['loaders'][split] into DataLoader, and the 'train' entry has no shuffle key, so the training loader is not shuffled.
import argparse
import logging
import os
import random
import time

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F
from torch.utils.data import DataLoader, Dataset, TensorDataset

logger = logging.getLogger("train")


def set_seed(seed):
    random.seed(seed)
    np.random.seed(seed)
    torch.manual_seed(seed)


def parse_args(extra=None):
    p = argparse.ArgumentParser()
    p.add_argument("--epochs", type=int, default=10)
    p.add_argument("--lr", type=float, default=1e-3)
    p.add_argument("--batch-size", type=int, default=64)
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--out-dir", default="runs/exp")
    p.add_argument("--device", default="cuda" if torch.cuda.is_available() else "cpu")
    p.add_argument("--log-every", type=int, default=50)
    if extra is not None:
        extra(p)
    return p.parse_args()


class AverageMeter:
    def __init__(self, name=""):
        self.name = name
        self.reset()

    def reset(self):
        self.sum = 0.0
        self.count = 0

    def update(self, val, n=1):
        self.sum += val * n
        self.count += n

    @property
    def avg(self):
        return self.sum / max(self.count, 1)


def save_checkpoint(state, out_dir, name="last.pt"):
    os.makedirs(out_dir, exist_ok=True)
    path = os.path.join(out_dir, name)
    torch.save(state, path)
    logger.info("saved checkpoint -> %s", path)
    return path


CFG = {
    "model": {"d_node": 16, "hidden": 64, "layers": 3},
    "loaders": {
        "train": {"batch_size": 32, "num_workers": 2, "drop_last": True},
        "val": {"batch_size": 128, "num_workers": 2},
    },
    "optim": {"lr": 1e-3, "weight_decay": 1e-5},
    "epochs": 30,
}


class Molecules(Dataset):
    def __init__(self, n, n_nodes=24, d=16):
        self.x = torch.randn(n, n_nodes, d)
        a = (torch.rand(n, n_nodes, n_nodes) < 0.1).float()
        self.adj = ((a + a.transpose(1, 2)) > 0).float() + torch.eye(n_nodes)
        self.y = torch.randn(n, 1)

    def __len__(self):
        return len(self.y)

    def __getitem__(self, i):
        return self.x[i], self.adj[i], self.y[i]


class GIN(nn.Module):
    def __init__(self, d_node, hidden, layers):
        super().__init__()
        self.inp = nn.Linear(d_node, hidden)
        self.mlps = nn.ModuleList([nn.Sequential(nn.Linear(hidden, hidden), nn.ReLU(), nn.Linear(hidden, hidden))
                                   for _ in range(layers)])
        self.readout = nn.Linear(hidden, 1)

    def forward(self, x, adj):
        h = self.inp(x)
        for mlp in self.mlps:
            h = F.relu(mlp(adj @ h))
        return self.readout(h.sum(1))


def build_loaders(cfg, datasets):
    return {split: DataLoader(datasets[split], **kw) for split, kw in cfg["loaders"].items()}


def main():
    args = parse_args()
    set_seed(args.seed)
    loaders = build_loaders(CFG, {"train": Molecules(4000), "val": Molecules(500)})
    model = GIN(**CFG["model"])
    opt = torch.optim.Adam(model.parameters(), **CFG["optim"])
    for epoch in range(CFG["epochs"]):
        model.train()
        meter = AverageMeter()
        for x, adj, y in loaders["train"]:
            opt.zero_grad()
            loss = F.l1_loss(model(x, adj), y)
            loss.backward()
            opt.step()
            meter.update(loss.item(), y.size(0))
        model.eval()
        with torch.no_grad():
            mae = np.mean([F.l1_loss(model(x, a), y).item() for x, a, y in loaders["val"]])
        logger.info("epoch %d train_mae %.4f val_mae %.4f", epoch, meter.avg, mae)
    save_checkpoint({"model": model.state_dict(), "cfg": CFG}, args.out_dir)


if __name__ == "__main__":
    main()
