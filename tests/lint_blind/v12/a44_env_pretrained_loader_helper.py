# expect: TVL014
# style: recommender two-tower retrieval, pretrained item embeddings loaded by a utility from an env var path
# bug: load_pretrained() receives the path from os.environ["ITEM_TOWER_CKPT"] and calls torch.load(path, map_location="cpu") without weights_only=True
import logging
import os

import torch
import torch.nn as nn
import torch.nn.functional as F
from torch.utils.data import DataLoader, TensorDataset

logging.basicConfig(level=logging.INFO)
log = logging.getLogger("two_tower")

N_USERS = int(os.environ.get("N_USERS", 30000))
N_ITEMS = int(os.environ.get("N_ITEMS", 10000))
DIM = 64


class Tower(nn.Module):
    def __init__(self, n, dim, hidden=128):
        super().__init__()
        self.emb = nn.Embedding(n, dim)
        self.mlp = nn.Sequential(nn.Linear(dim, hidden), nn.ReLU(), nn.Linear(hidden, dim))

    def forward(self, ids):
        return F.normalize(self.mlp(self.emb(ids)), dim=-1)


class TwoTower(nn.Module):
    def __init__(self, temperature=0.05):
        super().__init__()
        self.user = Tower(N_USERS, DIM)
        self.item = Tower(N_ITEMS, DIM)
        self.t = temperature

    def forward(self, users, items):
        u, i = self.user(users), self.item(items)
        return u @ i.t() / self.t


def load_pretrained(module, path):
    if not path:
        log.info("no pretrained weights, training from scratch")
        return module
    state = torch.load(path, map_location="cpu")
    if "state_dict" in state:
        state = state["state_dict"]
    missing, unexpected = module.load_state_dict(state, strict=False)
    log.info("loaded %s (missing=%d unexpected=%d)", path, len(missing), len(unexpected))
    return module


def recall_at_k(model, loader, k=50):
    model.eval()
    with torch.no_grad():
        all_items = model.item(torch.arange(N_ITEMS))
        hits = n = 0
        for users, items in loader:
            scores = model.user(users) @ all_items.t()
            topk = scores.topk(k, dim=-1).indices
            hits += (topk == items[:, None]).any(-1).sum().item()
            n += len(users)
    model.train()
    return hits / n


def main():
    model = TwoTower()
    load_pretrained(model.item, os.environ.get("ITEM_TOWER_CKPT", ""))
    opt = torch.optim.Adam(model.parameters(), lr=float(os.environ.get("LR", 1e-3)))
    users = torch.randint(0, N_USERS, (300_000,))
    items = (users * 7 + torch.randint(0, 5, users.shape)) % N_ITEMS
    train_dl = DataLoader(TensorDataset(users[:280_000], items[:280_000]), batch_size=1024, shuffle=True, drop_last=True)
    val_dl = DataLoader(TensorDataset(users[280_000:], items[280_000:]), batch_size=2048)

    for epoch in range(int(os.environ.get("EPOCHS", 5))):
        model.train()
        total = 0.0
        for u, i in train_dl:
            logits = model(u, i)  # in-batch negatives
            loss = F.cross_entropy(logits, torch.arange(len(u)))
            opt.zero_grad()
            loss.backward()
            opt.step()
            total += loss.item()
        log.info("epoch %d loss %.4f recall@50 %.4f", epoch, total / len(train_dl), recall_at_k(model, val_dl))
    torch.save(model.state_dict(), os.environ.get("OUT", "two_tower.pt"))


if __name__ == "__main__":
    main()
