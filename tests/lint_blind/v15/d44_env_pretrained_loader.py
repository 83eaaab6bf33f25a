# expect: TVL014
# style: recommendation two-tower retrieval model; warm-start path taken from an environment variable and loaded in a helper module section
# bug: load_pretrained() torch.loads the file named by the PRETRAINED_TOWERS environment variable without weights_only=True
import logging
import os
from dataclasses import dataclass

import torch
import torch.nn as nn
import torch.nn.functional as F
from torch.utils.data import DataLoader, Dataset

logger = logging.getLogger("two_tower")


@dataclass
class Config:
    n_users: int = 20000
    n_items: int = 8000
    n_genres: int = 20
    dim: int = 64
    temperature: float = 0.05
    lr: float = 1e-3
    epochs: int = 4
    batch_size: int = 512
    pretrained: str = os.environ.get("PRETRAINED_TOWERS", "")
    out_dir: str = os.environ.get("OUT_DIR", "two_tower_out")


class Clicks(Dataset):
    def __init__(self, cfg, n, seed):
        g = torch.Generator().manual_seed(seed)
        self.user = torch.randint(0, cfg.n_users, (n,), generator=g)
        self.item = (self.user * 7 + torch.randint(0, 50, (n,), generator=g)) % cfg.n_items
        self.genre = self.item % cfg.n_genres

    def __len__(self):
        return len(self.user)

    def __getitem__(self, i):
        return self.user[i], self.item[i], self.genre[i]


class UserTower(nn.Module):
    def __init__(self, cfg):
        super().__init__()
        self.emb = nn.Embedding(cfg.n_users, cfg.dim)
        self.mlp = nn.Sequential(nn.Linear(cfg.dim, 128), nn.ReLU(), nn.Linear(128, cfg.dim))

    def forward(self, u):
        return F.normalize(self.mlp(self.emb(u)), dim=-1)


class ItemTower(nn.Module):
    def __init__(self, cfg):
        super().__init__()
        self.emb = nn.Embedding(cfg.n_items, cfg.dim)
        self.genre = nn.Embedding(cfg.n_genres, cfg.dim)
        self.mlp = nn.Sequential(nn.Linear(2 * cfg.dim, 128), nn.ReLU(), nn.Linear(128, cfg.dim))

    def forward(self, i, g):
        return F.normalize(self.mlp(torch.cat([self.emb(i), self.genre(g)], -1)), dim=-1)


class TwoTower(nn.Module):
    def __init__(self, cfg):
        super().__init__()
        self.user_tower = UserTower(cfg)
        self.item_tower = ItemTower(cfg)
        self.t = cfg.temperature

    def forward(self, u, i, g):
        return self.user_tower(u) @ self.item_tower(i, g).t() / self.t


# ---------------------------------------------------------------- checkpoint utils
def load_pretrained(model: nn.Module, path: str) -> None:
    if not path:
        logger.info("no warm start")
        return
    state = torch.load(path, map_location="cpu")
    if "model" in state:
        state = state["model"]
    missing, unexpected = model.load_state_dict(state, strict=False)
    logger.info("warm start from %s (missing=%d unexpected=%d)", path, len(missing), len(unexpected))


def save(model, cfg, name):
    os.makedirs(cfg.out_dir, exist_ok=True)
    torch.save({"model": model.state_dict()}, os.path.join(cfg.out_dir, name))


# ---------------------------------------------------------------- training
@torch.no_grad()
def recall_at_k(model, loader, k=10):
    model.eval()
    hits, n = 0, 0
    for u, i, g in loader:
        scores = model(u, i, g)
        topk = scores.topk(k, dim=1).indices
        hits += (topk == torch.arange(len(u))[:, None]).any(1).sum().item()
        n += len(u)
    return hits / n


def train(cfg: Config):
    model = TwoTower(cfg)
    load_pretrained(model, cfg.pretrained)
    opt = torch.optim.Adam(model.parameters(), lr=cfg.lr)
    train_dl = DataLoader(Clicks(cfg, 300_000, 0), batch_size=cfg.batch_size, shuffle=True, drop_last=True)
    val_dl = DataLoader(Clicks(cfg, 20_000, 1), batch_size=cfg.batch_size, drop_last=True)
    for epoch in range(cfg.epochs):
        model.train()
        tot = 0.0
        for step, (u, i, g) in enumerate(train_dl):
            logits = model(u, i, g)
            loss = F.cross_entropy(logits, torch.arange(len(u)))
            opt.zero_grad()
            loss.backward()
            opt.step()
            tot += loss.item()
        logger.info("epoch %d loss %.4f recall@10 %.4f", epoch, tot / len(train_dl), recall_at_k(model, val_dl))
        save(model, cfg, f"epoch{epoch}.pt")
    return model


if __name__ == "__main__":
    logging.basicConfig(level=logging.INFO)
    train(Config())
