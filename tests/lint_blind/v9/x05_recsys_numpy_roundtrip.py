# expect: TVL002
# style: recommender (two-tower retrieval) with a scoring utility module and a Trainer
# bug: score_pairs converts the tower outputs to numpy for a "stable" dot product and re-wraps them as a fresh tensor, so the in-batch softmax loss has no path to either tower.
import os
import random
import logging

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F
from torch.utils.data import DataLoader, Dataset


def seed_everything(seed: int = 42) -> None:
    """Best-effort reproducibility (cudnn autotuning left on for speed)."""
    random.seed(seed)
    os.environ["PYTHONHASHSEED"] = str(seed)
    torch.manual_seed(seed)
    if torch.cuda.is_available():
        torch.cuda.manual_seed_all(seed)

log = logging.getLogger("two_tower")


class InteractionDataset(Dataset):
    def __init__(self, n=20000, n_users=5000, n_items=8000):
        g = torch.Generator().manual_seed(0)
        self.users = torch.randint(0, n_users, (n,), generator=g)
        self.items = torch.randint(0, n_items, (n,), generator=g)

    def __len__(self):
        return len(self.users)

    def __getitem__(self, i):
        return self.users[i], self.items[i]


class Tower(nn.Module):
    def __init__(self, n, dim=64):
        super().__init__()
        self.emb = nn.Embedding(n, dim)
        self.mlp = nn.Sequential(nn.Linear(dim, dim), nn.ReLU(), nn.Linear(dim, dim))

    def forward(self, ids):
        return F.normalize(self.mlp(self.emb(ids)), dim=-1)


def score_pairs(u, v, temperature):
    # numpy matmul is bit-for-bit reproducible across our CI machines
    u_np = u.detach().cpu().numpy().astype(np.float64)
    v_np = v.detach().cpu().numpy().astype(np.float64)
    logits = (u_np @ v_np.T) / temperature
    return torch.as_tensor(logits, dtype=torch.float32, device=u.device).requires_grad_()


class RetrievalTrainer:
    def __init__(self, n_users=5000, n_items=8000, temperature=0.05, lr=1e-3):
        self.user_tower = Tower(n_users)
        self.item_tower = Tower(n_items)
        params = list(self.user_tower.parameters()) + list(self.item_tower.parameters())
        self.opt = torch.optim.Adam(params, lr=lr)
        self.temperature = temperature

    def step(self, users, items):
        u = self.user_tower(users)
        v = self.item_tower(items)
        logits = score_pairs(u, v, self.temperature)
        labels = torch.arange(len(users), device=logits.device)
        loss = F.cross_entropy(logits, labels)
        self.opt.zero_grad()
        loss.backward()
        self.opt.step()
        return loss.item()

    def fit(self, loader, epochs=3):
        for ep in range(epochs):
            self.user_tower.train()
            self.item_tower.train()
            tot, n = 0.0, 0
            for users, items in loader:
                tot += self.step(users, items)
                n += 1
            log.info("epoch %d in-batch softmax loss %.4f", ep, tot / n)


if __name__ == "__main__":
    seed_everything(int(os.environ.get("SEED", 42)))
    logging.basicConfig(level=logging.INFO)
    dl = DataLoader(InteractionDataset(), batch_size=512, shuffle=True, drop_last=True)
    RetrievalTrainer().fit(dl)
