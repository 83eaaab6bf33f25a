# expect: TVL005
# style: multi-modal recommender two-tower model; encoders built per modality from a config dict
# bug: the per-modality item encoders are stored in a plain dict attribute (self.encoders = {...}); they are moved to the device in the factory but never registered, so the optimizer never updates them
import logging
import os
from dataclasses import dataclass, field

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F
from torch.utils.data import DataLoader, Dataset

log = logging.getLogger("twotower")


@dataclass
class ModelConfig:
    n_users: int = 5000
    emb_dim: int = 64
    modalities: dict = field(default_factory=lambda: {
        "title": {"in_dim": 300, "hidden": 128},
        "image": {"in_dim": 512, "hidden": 256},
        "price": {"in_dim": 8, "hidden": 16},
    })
    temperature: float = 0.05


def make_encoder(in_dim, hidden, out_dim, device):
    return nn.Sequential(nn.Linear(in_dim, hidden), nn.ReLU(), nn.Linear(hidden, out_dim)).to(device)


class TwoTower(nn.Module):
    def __init__(self, cfg, device):
        super().__init__()
        self.cfg = cfg
        self.user_emb = nn.Embedding(cfg.n_users, cfg.emb_dim)
        self.user_mlp = nn.Sequential(nn.Linear(cfg.emb_dim, cfg.emb_dim), nn.ReLU(), nn.Linear(cfg.emb_dim, cfg.emb_dim))
        self.encoders = {
            name: make_encoder(spec["in_dim"], spec["hidden"], cfg.emb_dim, device)
            for name, spec in cfg.modalities.items()
        }
        self.fuse = nn.Linear(cfg.emb_dim * len(cfg.modalities), cfg.emb_dim)

    def item_tower(self, feats):
        parts = [self.encoders[name](feats[name]) for name in self.cfg.modalities]
        return self.fuse(torch.cat(parts, -1))

    def user_tower(self, uid):
        return self.user_mlp(self.user_emb(uid))

    def forward(self, uid, feats):
        u = F.normalize(self.user_tower(uid), dim=-1)
        v = F.normalize(self.item_tower(feats), dim=-1)
        return u @ v.t() / self.cfg.temperature


class ClickLog(Dataset):
    def __init__(self, n, cfg, seed=0):
        rng = np.random.default_rng(seed)
        self.uid = rng.integers(0, cfg.n_users, n)
        self.feats = {name: rng.normal(size=(n, spec["in_dim"])).astype(np.float32)
                      for name, spec in cfg.modalities.items()}

    def __len__(self):
        return len(self.uid)

    def __getitem__(self, i):
        return int(self.uid[i]), {k: torch.from_numpy(v[i]) for k, v in self.feats.items()}


def collate(batch):
    uid = torch.tensor([b[0] for b in batch])
    feats = {k: torch.stack([b[1][k] for b in batch]) for k in batch[0][1]}
    return uid, feats


def in_batch_softmax_loss(logits):
    target = torch.arange(logits.size(0), device=logits.device)
    return F.cross_entropy(logits, target)


@torch.no_grad()
def recall_at_k(model, loader, device, k=10):
    model.eval()
    hits, n = 0, 0
    for uid, feats in loader:
        uid = uid.to(device)
        feats = {kk: v.to(device) for kk, v in feats.items()}
        logits = model(uid, feats)
        topk = logits.topk(k, dim=1).indices
        hits += (topk == torch.arange(uid.size(0), device=device)[:, None]).any(1).sum().item()
        n += uid.size(0)
    model.train()
    return hits / n


def train(cfg, epochs=8, bs=512, lr=1e-3, out_dir="twotower_ckpt"):
    device = torch.device("cuda" if torch.cuda.is_available() else "cpu")
    model = TwoTower(cfg, device).to(device)
    opt = torch.optim.Adam(model.parameters(), lr=lr)
    train_dl = DataLoader(ClickLog(100000, cfg), batch_size=bs, shuffle=True, collate_fn=collate, drop_last=True)
    val_dl = DataLoader(ClickLog(5000, cfg, seed=1), batch_size=bs, collate_fn=collate, drop_last=True)
    os.makedirs(out_dir, exist_ok=True)
    for epoch in range(epochs):
        model.train()
        tot = 0.0
        for step, (uid, feats) in enumerate(train_dl):
            uid = uid.to(device)
            feats = {k: v.to(device) for k, v in feats.items()}
            loss = in_batch_softmax_loss(model(uid, feats))
            opt.zero_grad()
            loss.backward()
            opt.step()
            tot += loss.item()
        rec = recall_at_k(model, val_dl, device)
        log.info("epoch %d loss %.4f recall@10 %.4f", epoch, tot / len(train_dl), rec)
        torch.save(model.state_dict(), os.path.join(out_dir, f"epoch{epoch}.pt"))


if __name__ == "__main__":
    logging.basicConfig(level=logging.INFO)
    torch.manual_seed(0)
    train(ModelConfig())
