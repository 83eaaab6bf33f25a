# expect: TVL003
# style: recommender (matrix factorisation + MLP, NCF-like) with gradient-accumulation helper class
# bug: GradAccumulator.step() steps the optimizer on accumulation boundaries but its reset() (the only zero_grad) is only called from on_epoch_start, so gradients are never cleared between optimizer steps within training.
import argparse
import logging
import random

import torch
import torch.nn as nn
import torch.nn.functional as F
from torch.utils.data import DataLoader, Dataset

logging.basicConfig(level=logging.INFO)
log = logging.getLogger("ncf")


class Interactions(Dataset):
    def __init__(self, n_users, n_items, n, seed=0):
        rnd = random.Random(seed)
        self.rows = []
        for _ in range(n):
            u = rnd.randrange(n_users)
            i = rnd.randrange(n_items)
            label = 1.0 if (u * 7 + i * 3) % 5 == 0 else 0.0
            self.rows.append((u, i, label))

    def __len__(self):
        return len(self.rows)

    def __getitem__(self, idx):
        u, i, y = self.rows[idx]
        return torch.tensor(u), torch.tensor(i), torch.tensor(y)


class NCF(nn.Module):
    def __init__(self, n_users, n_items, dim=32):
        super().__init__()
        self.user_gmf = nn.Embedding(n_users, dim)
        self.item_gmf = nn.Embedding(n_items, dim)
        self.user_mlp = nn.Embedding(n_users, dim)
        self.item_mlp = nn.Embedding(n_items, dim)
        self.mlp = nn.Sequential(nn.Linear(2 * dim, 64), nn.ReLU(), nn.Linear(64, 32), nn.ReLU())
        self.out = nn.Linear(dim + 32, 1)

    def forward(self, u, i):
        gmf = self.user_gmf(u) * self.item_gmf(i)
        mlp = self.mlp(torch.cat([self.user_mlp(u), self.item_mlp(i)], -1))
        return self.out(torch.cat([gmf, mlp], -1)).squeeze(-1)


class GradAccumulator:
    """Steps the optimizer every `every` micro-batches."""

    def __init__(self, optimizer, every):
        self.optimizer = optimizer
        self.every = every
        self.micro = 0

    def reset(self):
        self.optimizer.zero_grad(set_to_none=True)
        self.micro = 0

    def backward(self, loss):
        (loss / self.every).backward()
        self.micro += 1

    def step(self):
        if self.micro % self.every == 0:
            self.optimizer.step()
            return True
        return False


def hit_rate(model, loader):
    model.eval()
    hits = n = 0
    with torch.no_grad():
        for u, i, y in loader:
            p = torch.sigmoid(model(u, i)) > 0.5
            hits += (p.float() == y).sum().item()
            n += y.numel()
    model.train()
    return hits / n


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--users", type=int, default=500)
    ap.add_argument("--items", type=int, default=800)
    ap.add_argument("--accum", type=int, default=4)
    ap.add_argument("--epochs", type=int, default=6)
    ap.add_argument("--lr", type=float, default=1e-3)
    args = ap.parse_args()

    train_dl = DataLoader(Interactions(args.users, args.items, 40000, 0), batch_size=256, shuffle=True)
    val_dl = DataLoader(Interactions(args.users, args.items, 5000, 1), batch_size=1024)
    model = NCF(args.users, args.items)
    opt = torch.optim.Adam(model.parameters(), lr=args.lr)
    acc = GradAccumulator(opt, args.accum)

    n_steps = 0
    for epoch in range(args.epochs):
        acc.reset()  # on_epoch_start
        model.train()
        total = 0.0
        for u, i, y in train_dl:
            loss = F.binary_cross_entropy_with_logits(model(u, i), y)
            acc.backward(loss)
            if acc.step():
                n_steps += 1
            total += loss.item()
        log.info("epoch %d loss %.4f steps %d val_acc %.4f", epoch, total / len(train_dl), n_steps, hit_rate(model, val_dl))


if __name__ == "__main__":
    main()
