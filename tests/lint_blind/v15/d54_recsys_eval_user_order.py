# expect: TVL017
# style: implicit-feedback recommender (NeuMF-like) with a per-user evaluation helper
# bug: the evaluation loader is built by make_loader(..., shuffle=True) like the training one, and evaluate() reshapes the scores as (n_users, 1 + n_neg) assuming rows arrive user by user with the positive first, so HR@10/NDCG@10 are computed on scrambled candidate lists
import argparse
import logging
import math

import numpy as np
import torch
import torch.nn as nn
from torch.utils.data import DataLoader, TensorDataset

log = logging.getLogger("neumf")


def synth_interactions(n_users=2000, n_items=1500, per_user=20, seed=0):
    rng = np.random.default_rng(seed)
    user_pref = rng.normal(size=(n_users, 8))
    item_vec = rng.normal(size=(n_items, 8))
    pos = {}
    for u in range(n_users):
        scores = item_vec @ user_pref[u] + rng.gumbel(size=n_items)
        pos[u] = list(np.argsort(-scores)[:per_user])
    return pos, n_users, n_items


def build_train(pos, n_items, n_neg=4, seed=0):
    rng = np.random.default_rng(seed)
    users, items, labels = [], [], []
    for u, its in pos.items():
        for i in its[:-1]:
            users.append(u); items.append(i); labels.append(1.0)
            for j in rng.integers(0, n_items, n_neg):
                users.append(u); items.append(int(j)); labels.append(0.0)
    return torch.tensor(users), torch.tensor(items), torch.tensor(labels)


def build_eval(pos, n_items, n_neg=99, seed=1):
    """Leave-one-out: for each user the held-out positive followed by n_neg sampled negatives."""
    rng = np.random.default_rng(seed)
    users, items = [], []
    for u, its in pos.items():
        cands = [its[-1]] + [int(j) for j in rng.integers(0, n_items, n_neg)]
        users += [u] * len(cands)
        items += cands
    return torch.tensor(users), torch.tensor(items), n_neg


def make_loader(tensors, batch_size, shuffle=True):
    return DataLoader(TensorDataset(*tensors), batch_size=batch_size, shuffle=shuffle)


class NeuMF(nn.Module):
    def __init__(self, n_users, n_items, gmf_dim=16, mlp_dims=(64, 32, 16)):
        super().__init__()
        self.gmf_u = nn.Embedding(n_users, gmf_dim)
        self.gmf_i = nn.Embedding(n_items, gmf_dim)
        self.mlp_u = nn.Embedding(n_users, mlp_dims[0] // 2)
        self.mlp_i = nn.Embedding(n_items, mlp_dims[0] // 2)
        layers = []
        for a, b in zip(mlp_dims[:-1], mlp_dims[1:]):
            layers += [nn.Linear(a, b), nn.ReLU()]
        self.mlp = nn.Sequential(*layers)
        self.out = nn.Linear(gmf_dim + mlp_dims[-1], 1)

    def forward(self, u, i):
        g = self.gmf_u(u) * self.gmf_i(i)
        m = self.mlp(torch.cat([self.mlp_u(u), self.mlp_i(i)], -1))
        return self.out(torch.cat([g, m], -1)).squeeze(-1)


@torch.no_grad()
def evaluate(model, loader, n_users, n_neg, k=10):
    model.eval()
    scores = torch.cat([model(u, i) for u, i in loader])
    scores = scores.view(n_users, 1 + n_neg)
    rank = (scores[:, 1:] > scores[:, :1]).sum(1)
    hit = (rank < k).float()
    ndcg = torch.where(rank < k, 1.0 / torch.log2(rank.float() + 2), torch.zeros_like(hit))
    return hit.mean().item(), ndcg.mean().item()


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--epochs", type=int, default=10)
    ap.add_argument("--lr", type=float, default=1e-3)
    ap.add_argument("--bs", type=int, default=1024)
    args = ap.parse_args()
    logging.basicConfig(level=logging.INFO)
    torch.manual_seed(0)

    pos, n_users, n_items = synth_interactions()
    train_loader = make_loader(build_train(pos, n_items), args.bs)
    eu, ei, n_neg = build_eval(pos, n_items)
    eval_loader = make_loader((eu, ei), 100 * (1 + n_neg))

    model = NeuMF(n_users, n_items)
    opt = torch.optim.Adam(model.parameters(), lr=args.lr)
    crit = nn.BCEWithLogitsLoss()
    for epoch in range(args.epochs):
        model.train()
        tot = 0.0
        for u, i, y in train_loader:
            loss = crit(model(u, i), y)
            opt.zero_grad()
            loss.backward()
            opt.step()
            tot += loss.item() * len(y)
        hr, ndcg = evaluate(model, eval_loader, n_users, n_neg)
        log.info("epoch %d loss %.4f HR@10 %.4f NDCG@10 %.4f", epoch, tot / len(train_loader.dataset), hr, ndcg)
    torch.save(model.state_dict(), "neumf.pt")


if __name__ == "__main__":
    main()
