# expect: TVL005
# style: research repo, graph neural network with helper builder
# bug: make_layers() returns a plain Python list that GCN stores as self.layers, so the GCN layers are not registered and not optimized.
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


class GraphConv(nn.Module):
    def __init__(self, d_in, d_out):
        super().__init__()
        self.lin = nn.Linear(d_in, d_out)

    def forward(self, x, adj):
        return self.lin(adj @ x)


def make_layers(dims):
    layers = []
    for a, b in zip(dims[:-1], dims[1:]):
        layers.append(GraphConv(a, b))
    return layers


class GCN(nn.Module):
    def __init__(self, d_in, hidden, n_cls, n_layers=3, dropout=0.5):
        super().__init__()
        self.layers = make_layers([d_in] + [hidden] * (n_layers - 1))
        self.out = nn.Linear(hidden, n_cls)
        self.dropout = dropout

    def forward(self, x, adj):
        for layer in self.layers:
            x = F.dropout(F.relu(layer(x, adj)), self.dropout, self.training)
        return self.out(x)


def normalized_adj(n, p=0.01):
    a = (torch.rand(n, n) < p).float()
    a = ((a + a.t()) > 0).float() + torch.eye(n)
    d = a.sum(1).pow(-0.5)
    return d[:, None] * a * d[None, :]


def main():
    args = parse_args()
    set_seed(args.seed)
    n = 2708
    x = torch.randn(n, 1433)
    y = torch.randint(0, 7, (n,))
    adj = normalized_adj(n)
    train_mask = torch.zeros(n, dtype=torch.bool)
    train_mask[:140] = True
    val_mask = torch.zeros(n, dtype=torch.bool)
    val_mask[200:700] = True
    model = GCN(1433, 64, 7)
    opt = torch.optim.Adam(model.parameters(), lr=0.01, weight_decay=5e-4)
    for epoch in range(200):
        model.train()
        opt.zero_grad()
        out = model(x, adj)
        loss = F.cross_entropy(out[train_mask], y[train_mask])
        loss.backward()
        opt.step()
        model.eval()
        with torch.no_grad():
            acc = (model(x, adj)[val_mask].argmax(1) == y[val_mask]).float().mean().item()
        if epoch % 20 == 0:
            logger.info("epoch %d loss %.4f val_acc %.3f", epoch, loss.item(), acc)
    save_checkpoint({"model": model.state_dict()}, args.out_dir)


if __name__ == "__main__":
    main()
