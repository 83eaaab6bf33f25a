# expect: TVL004
# style: recommender (NCF / MLP matrix factorisation) script with train/validate functions and argparse
# bug: `evaluate_hr` switches the model to eval() and never back; train() is only called once before the epoch loop, so dropout/BN are off from epoch 2 onward
import argparse
import logging
import math
import os
import random

import numpy as np
import torch
import torch.nn as nn
from torch.utils.data import DataLoader, Dataset

log = logging.getLogger("ncf")


class Interactions(Dataset):
    """(user, item, label) triples with negatives sampled per epoch."""

    def __init__(self, pos_pairs, n_items, n_neg=4, seed=0):
        self.pos = pos_pairs
        self.n_items = n_items
        self.n_neg = n_neg
        self.rng = random.Random(seed)
        self.resample()

    def resample(self):
        rows = []
        for u, i in self.pos:
            rows.append((u, i, 1.0))
            for _ in range(self.n_neg):
                rows.append((u, self.rng.randrange(self.n_items), 0.0))
        self.rows = rows

    def __len__(self):
        return len(self.rows)

    def __getitem__(self, idx):
        u, i, y = self.rows[idx]
        return torch.tensor(u), torch.tensor(i), torch.tensor(y)


class NeuMF(nn.Module):
    def __init__(self, n_users, n_items, dim=32, layers=(64, 32, 16), dropout=0.2):
        super().__init__()
        self.u_gmf = nn.Embedding(n_users, dim)
        self.i_gmf = nn.Embedding(n_items, dim)
        self.u_mlp = nn.Embedding(n_users, dim)
        self.i_mlp = nn.Embedding(n_items, dim)
        mlp, d = [], 2 * dim
        for h in layers:
            mlp += [nn.Linear(d, h), nn.ReLU(), nn.Dropout(dropout)]
            d = h
        self.mlp = nn.Sequential(*mlp)
        self.out = nn.Linear(dim + d, 1)
        for emb in (self.u_gmf, self.i_gmf, self.u_mlp, self.i_mlp):
            nn.init.normal_(emb.weight, std=0.01)

    def forward(self, u, i):
        gmf = self.u_gmf(u) * self.i_gmf(i)
        mlp = self.mlp(torch.cat([self.u_mlp(u), self.i_mlp(i)], -1))
        return self.out(torch.cat([gmf, mlp], -1)).squeeze(-1)


def evaluate_hr(model, test_pairs, n_items, device, k=10, n_cand=99):
    model.eval()
    hits, ndcgs = [], []
    rng = np.random.default_rng(123)
    with torch.no_grad():
        for u, pos in test_pairs:
            cands = np.concatenate([[pos], rng.integers(0, n_items, n_cand)])
            users = torch.full((len(cands),), u, dtype=torch.long, device=device)
            scores = model(users, torch.as_tensor(cands, device=device))
            topk = torch.topk(scores, k).indices.cpu().numpy()
            hit = 0 in topk
            hits.append(float(hit))
            ndcgs.append(1.0 / math.log2(int(np.where(topk == 0)[0][0]) + 2) if hit else 0.0)
    return float(np.mean(hits)), float(np.mean(ndcgs))


def build_data(n_users, n_items, per_user=20, seed=0):
    rng = np.random.default_rng(seed)
    train, test = [], []
    for u in range(n_users):
        items = rng.choice(n_items, per_user + 1, replace=False)
        train += [(u, int(i)) for i in items[:-1]]
        test.append((u, int(items[-1])))
    return train, test


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--users", type=int, default=3000)
    ap.add_argument("--items", type=int, default=2000)
    ap.add_argument("--epochs", type=int, default=20)
    ap.add_argument("--bs", type=int, default=1024)
    ap.add_argument("--lr", type=float, default=1e-3)
    ap.add_argument("--save", default="ncf.pt")
    args = ap.parse_args()
    logging.basicConfig(level=logging.INFO)
    device = torch.device("cuda" if torch.cuda.is_available() else "cpu")

    train_pairs, test_pairs = build_data(args.users, args.items)
    ds = Interactions(train_pairs, args.items)
    model = NeuMF(args.users, args.items).to(device)
    opt = torch.optim.Adam(model.parameters(), lr=args.lr)
    bce = nn.BCEWithLogitsLoss()

    best_hr = 0.0
    model.train()
    for epoch in range(args.epochs):
        ds.resample()
        loader = DataLoader(ds, batch_size=args.bs, shuffle=True, num_workers=2)
        total, n = 0.0, 0
        for u, i, y in loader:
            u, i, y = u.to(device), i.to(device), y.to(device)
            logits = model(u, i)
            loss = bce(logits, y)
            opt.zero_grad()
            loss.backward()
            opt.step()
            total += loss.item() * y.size(0)
            n += y.size(0)
        hr, ndcg = evaluate_hr(model, test_pairs, args.items, device)
        log.info("epoch %d loss %.4f HR@10 %.4f NDCG@10 %.4f", epoch, total / n, hr, ndcg)
        if hr > best_hr:
            best_hr = hr
            torch.save(model.state_dict(), args.save)
    log.info("best HR@10 %.4f", best_hr)


if __name__ == "__main__":
    main()
