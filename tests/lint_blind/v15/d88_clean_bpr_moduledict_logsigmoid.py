# expect: clean
# style: BPR matrix factorisation with side-feature embeddings stored per field in nn.ModuleDict, built by a factory function
# note: embeddings are created in a dict comprehension inside a factory (where plain-dict registration bugs hide), but the factory wraps them in nn.ModuleDict; the loss uses F.logsigmoid on the raw score difference, which is the correct BPR objective rather than a sigmoid fed to a logits loss
import argparse
import logging

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F
from torch.utils.data import DataLoader, Dataset

log = logging.getLogger("bpr")
FIELDS = {"user": 3000, "item": 2000, "item_cat": 30, "user_age": 8}


def build_embeddings(fields, dim):
    return nn.ModuleDict({name: nn.Embedding(card, dim) for name, card in fields.items()})


class FeatureBPR(nn.Module):
    def __init__(self, fields=FIELDS, dim=32):
        super().__init__()
        self.emb = build_embeddings(fields, dim)
        for e in self.emb.values():
            nn.init.normal_(e.weight, std=0.05)
        self.item_bias = nn.Embedding(fields["item"], 1)
        nn.init.zeros_(self.item_bias.weight)

    def user_vec(self, u, age):
        return self.emb["user"](u) + self.emb["user_age"](age)

    def item_vec(self, i, cat):
        return self.emb["item"](i) + self.emb["item_cat"](cat)

    def score(self, u, age, i, cat):
        return (self.user_vec(u, age) * self.item_vec(i, cat)).sum(-1) + self.item_bias(i).squeeze(-1)


class Triples(Dataset):
    def __init__(self, n, seed):
        rng = np.random.default_rng(seed)
        self.item_cat = rng.integers(0, FIELDS["item_cat"], FIELDS["item"])
        self.user_age = rng.integers(0, FIELDS["user_age"], FIELDS["user"])
        self.u = rng.integers(0, FIELDS["user"], n)
        pref_cat = self.u % FIELDS["item_cat"]
        cands = [np.where(self.item_cat == c)[0] for c in range(FIELDS["item_cat"])]
        self.pos = np.array([rng.choice(cands[c]) for c in pref_cat])
        self.neg = rng.integers(0, FIELDS["item"], n)

    def __len__(self):
        return len(self.u)

    def __getitem__(self, k):
        u, p, q = self.u[k], self.pos[k], self.neg[k]
        return (torch.tensor(u), torch.tensor(self.user_age[u]), torch.tensor(p), torch.tensor(self.item_cat[p]),
                torch.tensor(q), torch.tensor(self.item_cat[q]))


def bpr_loss(pos_score, neg_score):
    return -F.logsigmoid(pos_score - neg_score).mean()


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--epochs", type=int, default=10)
    ap.add_argument("--reg", type=float, default=1e-4)
    args = ap.parse_args()
    logging.basicConfig(level=logging.INFO)
    torch.manual_seed(0)
    train_dl = DataLoader(Triples(200_000, 0), batch_size=1024, shuffle=True)
    val_dl = DataLoader(Triples(20_000, 1), batch_size=4096)
    model = FeatureBPR()
    opt = torch.optim.Adam(model.parameters(), lr=5e-3)
    for epoch in range(args.epochs):
        model.train()
        tot = 0.0
        for u, age, p, pc, q, qc in train_dl:
            ps, ns = model.score(u, age, p, pc), model.score(u, age, q, qc)
            reg = args.reg * (model.user_vec(u, age).pow(2).sum() + model.item_vec(p, pc).pow(2).sum()) / len(u)
            loss = bpr_loss(ps, ns) + reg
            opt.zero_grad()
            loss.backward()
            opt.step()
            tot += loss.item()
        model.eval()
        with torch.no_grad():
            auc = np.mean([(model.score(u, a, p, pc) > model.score(u, a, q, qc)).float().mean().item()
                           for u, a, p, pc, q, qc in val_dl])
        log.info("epoch %d loss %.4f pairwise_auc %.4f", epoch, tot / len(train_dl), auc)
    torch.save(model.state_dict(), "feature_bpr.pt")


if __name__ == "__main__":
    main()
