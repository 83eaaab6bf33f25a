# expect: TVL001
# style: research repo, two-tower recommender
# bug: compute_scores() runs both towers under torch.no_grad() (written for retrieval eval) and is reused for the BPR training loss.
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


class Tower(nn.Module):
    def __init__(self, n_items, dim):
        super().__init__()
        self.emb = nn.Embedding(n_items, dim)
        self.mlp = nn.Sequential(nn.Linear(dim, dim), nn.ReLU(), nn.Linear(dim, dim))

    def forward(self, idx):
        return F.normalize(self.mlp(self.emb(idx)), dim=-1)


class TwoTower(nn.Module):
    def __init__(self, n_users, n_items, dim=64):
        super().__init__()
        self.user = Tower(n_users, dim)
        self.item = Tower(n_items, dim)


def compute_scores(model, users, items):
    with torch.no_grad():
        u = model.user(users)
        v = model.item(items)
    return (u * v).sum(-1) / 0.1


def bpr_loss(model, users, pos, neg):
    pos_s = compute_scores(model, users, pos)
    neg_s = compute_scores(model, users, neg)
    return -F.logsigmoid(pos_s - neg_s).mean()


def recall_at_k(model, users, held_out, n_items, k=20):
    all_items = torch.arange(n_items)
    hits = 0
    for u, target in zip(users.tolist(), held_out.tolist()):
        s = compute_scores(model, torch.full((n_items,), u), all_items)
        hits += int(target in s.topk(k).indices.tolist())
    return hits / len(users)


def main():
    args = parse_args()
    set_seed(args.seed)
    n_users, n_items = 500, 2000
    triples = torch.stack([torch.randint(0, n_users, (20000,)), torch.randint(0, n_items, (20000,)),
                           torch.randint(0, n_items, (20000,))], 1)
    loader = DataLoader(TensorDataset(triples), batch_size=args.batch_size, shuffle=True)
    model = TwoTower(n_users, n_items)
    opt = torch.optim.Adam(model.parameters(), lr=args.lr)
    for epoch in range(args.epochs):
        model.train()
        meter = AverageMeter("bpr")
        for (batch,) in loader:
            loss = bpr_loss(model, batch[:, 0], batch[:, 1], batch[:, 2])
            opt.zero_grad()
            loss.backward()
            opt.step()
            meter.update(loss.item(), batch.size(0))
        model.eval()
        r = recall_at_k(model, torch.arange(50), torch.randint(0, n_items, (50,)), n_items)
        model.train()
        logger.info("epoch %d bpr %.4f recall@20 %.3f", epoch, meter.avg, r)


if __name__ == "__main__":
    main()
