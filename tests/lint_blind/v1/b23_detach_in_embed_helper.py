# expect: TVL002
# style: metric-learning research repo (Embedder + get_embeddings helper + ArcFace-free triplet training)
# bug: get_embeddings() returns model(x).detach() (written for retrieval eval) and train() builds the triplet loss from it
import argparse

import torch
import torch.nn as nn
import torch.nn.functional as F


class Embedder(nn.Module):
    def __init__(self, in_dim=256, emb_dim=64):
        super().__init__()
        self.trunk = nn.Sequential(nn.Linear(in_dim, 512), nn.BatchNorm1d(512), nn.ReLU(), nn.Linear(512, 256))
        self.embedder = nn.Linear(256, emb_dim)

    def forward(self, x):
        return F.normalize(self.embedder(self.trunk(x)), dim=-1)


def get_embeddings(model, x):
    """Return L2-normalised embeddings for a batch."""
    return model(x).detach()


def sample_triplets(n_classes, per_class, dim):
    centers = torch.randn(n_classes, dim)
    labels = torch.arange(n_classes).repeat_interleave(per_class)
    x = centers[labels] + 0.3 * torch.randn(len(labels), dim)
    anchor, positive, negative = x, x[torch.randperm(len(x))], torch.randn_like(x)
    return anchor, positive, negative


def train(args):
    model = Embedder(args.in_dim, args.emb_dim)
    optimizer = torch.optim.Adam(model.parameters(), lr=args.lr)
    criterion = nn.TripletMarginLoss(margin=args.margin)
    for epoch in range(args.epochs):
        model.train()
        epoch_loss = 0.0
        for it in range(args.iters_per_epoch):
            a, p, n = sample_triplets(16, 8, args.in_dim)
            ea, ep, en = get_embeddings(model, a), get_embeddings(model, p), get_embeddings(model, n)
            loss = criterion(ea, ep, en)
            loss.requires_grad_()
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
            epoch_loss += loss.item()
        print(f"epoch {epoch:02d} triplet loss {epoch_loss / args.iters_per_epoch:.4f}")
    return model


if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("--in-dim", type=int, default=256)
    parser.add_argument("--emb-dim", type=int, default=64)
    parser.add_argument("--margin", type=float, default=0.2)
    parser.add_argument("--lr", type=float, default=1e-3)
    parser.add_argument("--epochs", type=int, default=10)
    parser.add_argument("--iters-per-epoch", type=int, default=100)
    train(parser.parse_args())
