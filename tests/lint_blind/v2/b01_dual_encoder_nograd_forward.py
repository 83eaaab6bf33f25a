# expect: TVL001
# style: sentence-transformers-style bi-encoder contrastive fine-tuning
# bug: DualEncoder.forward runs the query tower under torch.no_grad() although its params are in the optimizer (only path to loss)
import argparse
import logging

import torch
import torch.nn as nn
import torch.nn.functional as F
from torch.utils.data import DataLoader, TensorDataset

logger = logging.getLogger(__name__)


class Tower(nn.Module):
    def __init__(self, vocab, dim):
        super().__init__()
        self.emb = nn.EmbeddingBag(vocab, dim, mode="mean")
        self.proj = nn.Sequential(nn.Linear(dim, dim), nn.Tanh(), nn.Linear(dim, dim))

    def forward(self, ids):
        return F.normalize(self.proj(self.emb(ids)), dim=-1)


class DualEncoder(nn.Module):
    def __init__(self, vocab, dim, scale=20.0):
        super().__init__()
        self.query_tower = Tower(vocab, dim)
        self.doc_tower = Tower(vocab, dim)
        self.scale = scale

    def forward(self, q_ids, d_ids):
        # queries are "cached" -- but the tower is still meant to be fine-tuned
        with torch.no_grad():
            q = self.query_tower(q_ids)
        d = self.doc_tower(d_ids)
        return q @ d.t() * self.scale


def multiple_negatives_ranking_loss(scores):
    labels = torch.arange(scores.size(0), device=scores.device)
    return F.cross_entropy(scores, labels)


def fit(model, loader, optimizer, epochs, device):
    for epoch in range(epochs):
        model.train()
        total = 0.0
        for q_ids, d_ids in loader:
            q_ids, d_ids = q_ids.to(device), d_ids.to(device)
            scores = model(q_ids, d_ids)
            loss = multiple_negatives_ranking_loss(scores)
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
            total += loss.item()
        logger.info("epoch %d loss %.4f", epoch, total / len(loader))


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--vocab", type=int, default=30522)
    p.add_argument("--dim", type=int, default=256)
    p.add_argument("--lr", type=float, default=2e-5)
    p.add_argument("--epochs", type=int, default=1)
    args = p.parse_args()
    device = "cuda" if torch.cuda.is_available() else "cpu"
    model = DualEncoder(args.vocab, args.dim).to(device)
    params = list(model.query_tower.parameters()) + list(model.doc_tower.parameters())
    optimizer = torch.optim.AdamW(params, lr=args.lr)
    ds = TensorDataset(torch.randint(0, args.vocab, (512, 16)), torch.randint(0, args.vocab, (512, 64)))
    loader = DataLoader(ds, batch_size=32, shuffle=True)
    fit(model, loader, optimizer, args.epochs, device)


if __name__ == "__main__":
    main()
