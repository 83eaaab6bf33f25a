# expect: TVL002
# style: two-tower retrieval recommender (user tower / item tower, in-batch negatives)
# bug: the score helper reads user/item embeddings through .data, so the in-batch softmax loss has no path back to either tower
import argparse
import logging

import torch
import torch.nn as nn
import torch.nn.functional as F
from torch.utils.data import DataLoader, TensorDataset

logger = logging.getLogger(__name__)


class Tower(nn.Module):
    def __init__(self, n_ids, dim):
        super().__init__()
        self.emb = nn.Embedding(n_ids, dim)
        self.mlp = nn.Sequential(nn.Linear(dim, dim), nn.ReLU(), nn.Linear(dim, dim))

    def forward(self, ids):
        return F.normalize(self.mlp(self.emb(ids)), dim=-1)


class TwoTower(nn.Module):
    def __init__(self, n_users, n_items, dim=64):
        super().__init__()
        self.user_tower = Tower(n_users, dim)
        self.item_tower = Tower(n_items, dim)

    def forward(self, users, items):
        return self.user_tower(users), self.item_tower(items)


def in_batch_scores(user_vecs, item_vecs, temperature):
    # (B, D) x (D, B) -> (B, B) similarity matrix
    return user_vecs.data @ item_vecs.data.t() / temperature


def train_epoch(model, loader, optimizer, temperature, device):
    model.train()
    total = 0.0
    for users, items in loader:
        users, items = users.to(device), items.to(device)
        u, v = model(users, items)
        logits = in_batch_scores(u, v, temperature)
        labels = torch.arange(logits.size(0), device=device)
        loss = F.cross_entropy(logits, labels)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        total += loss.item()
    return total / len(loader)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--n-users", type=int, default=1000)
    ap.add_argument("--n-items", type=int, default=5000)
    ap.add_argument("--epochs", type=int, default=5)
    ap.add_argument("--temperature", type=float, default=0.05)
    args = ap.parse_args()
    device = "cuda" if torch.cuda.is_available() else "cpu"
    inter = TensorDataset(torch.randint(0, args.n_users, (20000,)), torch.randint(0, args.n_items, (20000,)))
    loader = DataLoader(inter, batch_size=512, shuffle=True, drop_last=True)
    model = TwoTower(args.n_users, args.n_items).to(device)
    optimizer = torch.optim.Adam(model.parameters(), lr=1e-3)
    for epoch in range(args.epochs):
        loss = train_epoch(model, loader, optimizer, args.temperature, device)
        logger.info("epoch %d train loss %.4f", epoch, loss)


if __name__ == "__main__":
    logging.basicConfig(level=logging.INFO)
    main()
