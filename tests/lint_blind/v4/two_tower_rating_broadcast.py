# expect: TVL009
# style: recommender two-tower rating regression (MovieLens explicit feedback, Trainer + loss helper)
# bug: RatingScorer ends in nn.Linear(…, 1) so scores are (B, 1) while RatingsDataset yields scalar ratings -> (B,); compute_loss() hands both to nn.MSELoss, which broadcasts to (B, B)
import argparse

import torch
import torch.nn as nn
from torch.utils.data import DataLoader, Dataset


class RatingsDataset(Dataset):
    def __init__(self, n=50000, n_users=6040, n_items=3706):
        self.users = torch.randint(0, n_users, (n,))
        self.items = torch.randint(0, n_items, (n,))
        self.ratings = torch.randint(1, 6, (n,)).float()

    def __len__(self):
        return len(self.ratings)

    def __getitem__(self, i):
        return self.users[i], self.items[i], self.ratings[i]


class Tower(nn.Module):
    def __init__(self, n, dim):
        super().__init__()
        self.emb = nn.Embedding(n, dim)
        self.mlp = nn.Sequential(nn.Linear(dim, dim), nn.ReLU(), nn.Linear(dim, dim))

    def forward(self, idx):
        return self.mlp(self.emb(idx))


class RatingScorer(nn.Module):
    def __init__(self, n_users=6040, n_items=3706, dim=32):
        super().__init__()
        self.user_tower, self.item_tower = Tower(n_users, dim), Tower(n_items, dim)
        self.score = nn.Linear(2 * dim, 1)

    def forward(self, u, i):
        return self.score(torch.cat([self.user_tower(u), self.item_tower(i)], dim=-1))


_mse = nn.MSELoss()


def compute_loss(pred, rating):
    return _mse(pred, rating)


def fit(model, loader, epochs, lr):
    opt = torch.optim.Adam(model.parameters(), lr=lr, weight_decay=1e-6)
    for ep in range(epochs):
        model.train()
        sse, n = 0.0, 0
        for u, i, r in loader:
            loss = compute_loss(model(u, i), r)
            opt.zero_grad()
            loss.backward()
            opt.step()
            sse += loss.item() * len(r)
            n += len(r)
        print(f"epoch {ep}: rmse {(sse / n) ** 0.5:.4f}")


if __name__ == "__main__":
    ap = argparse.ArgumentParser()
    ap.add_argument("--epochs", type=int, default=5)
    ap.add_argument("--lr", type=float, default=1e-3)
    args = ap.parse_args()
    fit(RatingScorer(), DataLoader(RatingsDataset(), batch_size=1024, shuffle=True), args.epochs, args.lr)
