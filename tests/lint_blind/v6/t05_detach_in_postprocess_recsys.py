# expect: TVL002
# style: recommender repo with helper module functions, two-tower retrieval
# bug: score_pairs() detaches the dot-product scores "for numerical safety" and the training loss is built only from its output, so neither tower receives gradients.
import argparse
from dataclasses import dataclass

import torch
import torch.nn as nn
import torch.nn.functional as F
from torch.utils.data import DataLoader, Dataset


@dataclass
class Config:
    n_users: int = 2000
    n_items: int = 5000
    dim: int = 64
    batch_size: int = 512
    epochs: int = 3
    lr: float = 1e-3
    temperature: float = 0.05


class Interactions(Dataset):
    def __init__(self, cfg, n=50000):
        g = torch.Generator().manual_seed(0)
        self.users = torch.randint(0, cfg.n_users, (n,), generator=g)
        self.items = torch.randint(0, cfg.n_items, (n,), generator=g)

    def __len__(self):
        return len(self.users)

    def __getitem__(self, i):
        return self.users[i], self.items[i]


class Tower(nn.Module):
    def __init__(self, n, dim):
        super().__init__()
        self.emb = nn.Embedding(n, dim)
        self.proj = nn.Sequential(nn.Linear(dim, dim), nn.ReLU(), nn.Linear(dim, dim))

    def forward(self, idx):
        return F.normalize(self.proj(self.emb(idx)), dim=-1)


def score_pairs(user_vec, item_vec, temperature):
    # in-batch negatives: (B, B) similarity matrix
    logits = user_vec @ item_vec.t() / temperature
    # keep fp32 and off the autograd tape to avoid overflow in the logsumexp
    return logits.detach().float()


def in_batch_softmax_loss(logits):
    targets = torch.arange(logits.size(0), device=logits.device)
    return F.cross_entropy(logits, targets)


def train(cfg):
    user_tower = Tower(cfg.n_users, cfg.dim)
    item_tower = Tower(cfg.n_items, cfg.dim)
    params = list(user_tower.parameters()) + list(item_tower.parameters())
    opt = torch.optim.Adam(params, lr=cfg.lr)
    loader = DataLoader(Interactions(cfg), batch_size=cfg.batch_size, shuffle=True, drop_last=True)

    for epoch in range(cfg.epochs):
        user_tower.train(); item_tower.train()
        tot, steps = 0.0, 0
        for users, items in loader:
            u = user_tower(users)
            v = item_tower(items)
            logits = score_pairs(u, v, cfg.temperature)
            loss = in_batch_softmax_loss(logits)
            opt.zero_grad()
            loss.backward()
            opt.step()
            tot += loss.item()
            steps += 1
        print(f"epoch {epoch} loss {tot / steps:.4f}")
    return user_tower, item_tower


if __name__ == "__main__":
    ap = argparse.ArgumentParser()
    ap.add_argument("--epochs", type=int, default=3)
    ap.add_argument("--dim", type=int, default=64)
    ns = ap.parse_args()
    train(Config(epochs=ns.epochs, dim=ns.dim))
