# expect: TVL017
# style: config-driven recommender evaluation (rating prediction) with a loader factory and per-user RMSE report
# bug: the eval split's config sets shuffle=True, and evaluate() pairs the collected predictions with dataset.user_ids / dataset.ratings by position to compute per-user errors.
import logging
from collections import defaultdict

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F
from torch.utils.data import DataLoader, Dataset

log = logging.getLogger("mf")

CONFIG = {
    "n_users": 3000,
    "n_items": 2000,
    "dim": 48,
    "epochs": 10,
    "loaders": {
        "train": {"batch_size": 1024, "shuffle": True},
        "eval": {"batch_size": 4096, "shuffle": True, "drop_last": False},
    },
}


class RatingDataset(Dataset):
    def __init__(self, n, n_users, n_items, seed):
        g = torch.Generator().manual_seed(seed)
        self.user_ids = torch.randint(0, n_users, (n,), generator=g)
        self.item_ids = torch.randint(0, n_items, (n,), generator=g)
        self.ratings = (torch.rand(n, generator=g) * 4 + 1).round()

    def __len__(self):
        return len(self.ratings)

    def __getitem__(self, i):
        return self.user_ids[i], self.item_ids[i], self.ratings[i]


def build_loader(ds, split, cfg):
    return DataLoader(ds, **cfg["loaders"][split])


class BiasedMF(nn.Module):
    def __init__(self, n_users, n_items, dim):
        super().__init__()
        self.P, self.Q = nn.Embedding(n_users, dim), nn.Embedding(n_items, dim)
        self.bu, self.bi = nn.Embedding(n_users, 1), nn.Embedding(n_items, 1)
        self.mu = nn.Parameter(torch.tensor(3.0))
        for e in (self.P, self.Q):
            nn.init.normal_(e.weight, std=0.05)
        nn.init.zeros_(self.bu.weight)
        nn.init.zeros_(self.bi.weight)

    def forward(self, u, i):
        return self.mu + self.bu(u).squeeze(-1) + self.bi(i).squeeze(-1) + (self.P(u) * self.Q(i)).sum(-1)


@torch.no_grad()
def evaluate(model, ds, cfg):
    model.eval()
    preds = torch.cat([model(u, i) for u, i, _ in build_loader(ds, "eval", cfg)])
    per_user = defaultdict(list)
    for uid, r, p in zip(ds.user_ids.tolist(), ds.ratings.tolist(), preds.tolist()):
        per_user[uid].append((r - p) ** 2)
    user_rmse = [np.sqrt(np.mean(v)) for v in per_user.values()]
    model.train()
    return float(np.mean(user_rmse)), float(np.percentile(user_rmse, 90))


def main(cfg=CONFIG):
    train_ds = RatingDataset(200_000, cfg["n_users"], cfg["n_items"], seed=0)
    eval_ds = RatingDataset(20_000, cfg["n_users"], cfg["n_items"], seed=1)
    model = BiasedMF(cfg["n_users"], cfg["n_items"], cfg["dim"])
    opt = torch.optim.Adam(model.parameters(), lr=5e-3)
    train_dl = build_loader(train_ds, "train", cfg)
    for epoch in range(cfg["epochs"]):
        model.train()
        tot = 0.0
        for u, i, r in train_dl:
            opt.zero_grad()
            loss = F.mse_loss(model(u, i), r)
            loss.backward()
            opt.step()
            tot += loss.item()
        mean_rmse, p90 = evaluate(model, eval_ds, cfg)
        log.info("epoch %d train mse %.4f | per-user RMSE mean %.4f p90 %.4f", epoch, tot / len(train_dl), mean_rmse, p90)


if __name__ == "__main__":
    logging.basicConfig(level=logging.INFO)
    main()
