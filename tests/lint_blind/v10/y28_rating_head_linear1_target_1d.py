# expect: TVL009
# style: recommender, neural collaborative filtering with builder
# bug: build_head() ends in nn.Linear(..., 1) so predictions are (B, 1), while RatingsDataset yields scalar ratings that batch to (B,); F.mse_loss broadcasts to (B, B).
import argparse
import json
import logging
import math
import os
import time
from collections import defaultdict

import numpy as np
import torch
from torch import nn
from torch.nn import functional as F
from torch.utils.data import DataLoader, Dataset, TensorDataset

logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(message)s")
log = logging.getLogger(__name__)
logger = log


def parse_args(extra=None):
    parser = argparse.ArgumentParser(description="training script")
    parser.add_argument("--epochs", type=int, default=20)
    parser.add_argument("--lr", type=float, default=3e-4)
    parser.add_argument("--batch-size", type=int, default=32)
    parser.add_argument("--seed", type=int, default=42)
    parser.add_argument("--out-dir", type=str, default="./outputs")
    parser.add_argument("--device", type=str, default="cuda")
    parser.add_argument("--log-every", type=int, default=20)
    if extra:
        extra(parser)
    args = parser.parse_args()
    if not torch.cuda.is_available():
        args.device = "cpu"
    return args


def set_seed(seed):
    np.random.seed(seed)
    torch.manual_seed(seed)
    if torch.cuda.is_available():
        torch.cuda.manual_seed_all(seed)


class AverageMeter:
    def __init__(self, name=""):
        self.name = name
        self.sum, self.count = 0.0, 0

    def update(self, val, n=1):
        self.sum += val * n
        self.count += n

    @property
    def avg(self):
        return self.sum / max(1, self.count)


def dump_metrics(history, out_dir):
    os.makedirs(out_dir, exist_ok=True)
    with open(os.path.join(out_dir, "metrics.json"), "w") as f:
        json.dump(history, f, indent=2)


def save_checkpoint(state, out_dir, name="checkpoint.pt"):
    os.makedirs(out_dir, exist_ok=True)
    torch.save(state, os.path.join(out_dir, name))


class RatingsDataset(Dataset):
    def __init__(self, n, n_users, n_items):
        self.u = torch.randint(0, n_users, (n,))
        self.i = torch.randint(0, n_items, (n,))
        self.r = torch.randint(1, 6, (n,)).float()

    def __len__(self):
        return len(self.r)

    def __getitem__(self, idx):
        return self.u[idx], self.i[idx], self.r[idx]


def build_head(d_in, hidden=(128, 64)):
    layers, d = [], d_in
    for h in hidden:
        layers += [nn.Linear(d, h), nn.ReLU(), nn.Dropout(0.1)]
        d = h
    layers.append(nn.Linear(d, 1))
    return nn.Sequential(*layers)


class NCF(nn.Module):
    def __init__(self, n_users, n_items, dim=32):
        super().__init__()
        self.user = nn.Embedding(n_users, dim)
        self.item = nn.Embedding(n_items, dim)
        self.head = build_head(2 * dim)

    def forward(self, u, i):
        return self.head(torch.cat([self.user(u), self.item(i)], -1))


def evaluate(model, loader):
    model.eval()
    se, n = 0.0, 0
    with torch.no_grad():
        for u, i, r in loader:
            se += ((model(u, i).view(-1) - r) ** 2).sum().item()
            n += r.numel()
    model.train()
    return (se / n) ** 0.5


def main():
    args = parse_args()
    set_seed(args.seed)
    train_ds, val_ds = RatingsDataset(80000, 943, 1682), RatingsDataset(10000, 943, 1682)
    train_loader = DataLoader(train_ds, batch_size=256, shuffle=True)
    val_loader = DataLoader(val_ds, batch_size=1024)
    model = NCF(943, 1682)
    opt = torch.optim.Adam(model.parameters(), lr=args.lr, weight_decay=1e-5)
    for epoch in range(args.epochs):
        model.train()
        meter = AverageMeter()
        for u, i, r in train_loader:
            pred = model(u, i)
            loss = F.mse_loss(pred, r)
            opt.zero_grad()
            loss.backward()
            opt.step()
            meter.update(loss.item(), r.size(0))
        logger.info("epoch %d train_mse %.4f val_rmse %.4f", epoch, meter.avg, evaluate(model, val_loader))
    save_checkpoint({"model": model.state_dict()}, args.out_dir)


if __name__ == "__main__":
    main()
