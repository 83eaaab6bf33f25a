# expect: TVL009
# style: neural collaborative filtering / rating prediction repo (MovieLens-style Dataset, NeuMF-ish model in its own class, RMSE eval)
# bug: RatingHead ends in nn.Linear(hidden, 1) and the model returns (B, 1) while the Dataset yields scalar ratings batched to (B,), so MSE in fit() broadcasts
import argparse
import math

import torch
import torch.nn as nn
from torch.utils.data import DataLoader, Dataset


class RatingsDataset(Dataset):
    def __init__(self, n, n_users, n_items):
        self.u = torch.randint(0, n_users, (n,))
        self.i = torch.randint(0, n_items, (n,))
        self.r = torch.randint(1, 6, (n,)).float()

    def __len__(self):
        return len(self.r)

    def __getitem__(self, idx):
        return self.u[idx], self.i[idx], self.r[idx]


class RatingHead(nn.Module):
    def __init__(self, in_dim, hidden):
        super().__init__()
        self.mlp = nn.Sequential(nn.Linear(in_dim, hidden), nn.ReLU(), nn.Dropout(0.2), nn.Linear(hidden, 1))

    def forward(self, z):
        return self.mlp(z)


class NeuMF(nn.Module):
    def __init__(self, n_users, n_items, dim=32):
        super().__init__()
        self.user_emb = nn.Embedding(n_users, dim)
        self.item_emb = nn.Embedding(n_items, dim)
        self.head = RatingHead(2 * dim, 64)

    def forward(self, users, items):
        z = torch.cat([self.user_emb(users), self.item_emb(items)], dim=-1)
        return self.head(z)


def fit(model, train_loader, test_loader, epochs, lr):
    opt = torch.optim.Adam(model.parameters(), lr=lr, weight_decay=1e-6)
    for epoch in range(epochs):
        model.train()
        for u, i, r in train_loader:
            pred = model(u, i)
            loss = nn.functional.mse_loss(pred, r)
            opt.zero_grad()
            loss.backward()
            opt.step()
        model.eval()
        se, n = 0.0, 0
        with torch.no_grad():
            for u, i, r in test_loader:
                se += ((model(u, i).squeeze(-1) - r) ** 2).sum().item()
                n += r.numel()
        print(f"epoch {epoch}: test RMSE {math.sqrt(se / n):.4f}")


if __name__ == "__main__":
    ap = argparse.ArgumentParser()
    ap.add_argument("--n_users", type=int, default=943)
    ap.add_argument("--n_items", type=int, default=1682)
    ap.add_argument("--epochs", type=int, default=10)
    ap.add_argument("--lr", type=float, default=1e-3)
    args = ap.parse_args()
    train_loader = DataLoader(RatingsDataset(80000, args.n_users, args.n_items), batch_size=256, shuffle=True)
    test_loader = DataLoader(RatingsDataset(20000, args.n_users, args.n_items), batch_size=1024)
    fit(NeuMF(args.n_users, args.n_items), train_loader, test_loader, args.epochs, args.lr)
