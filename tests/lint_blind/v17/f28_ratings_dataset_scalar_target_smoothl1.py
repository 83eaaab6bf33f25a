# expect: TVL009
# style: recommender rating regression, Dataset + model + compute_loss split across functions
# bug: RatingsDataset yields a scalar rating (batches of shape (B,)) while NeuMF.predictor is nn.Linear(..., 1) returning (B, 1); compute_loss feeds both to F.smooth_l1_loss, which broadcasts to (B, B).
import argparse
import math

import torch
import torch.nn as nn
import torch.nn.functional as F
from torch.utils.data import DataLoader, Dataset


class RatingsDataset(Dataset):
    def __init__(self, n_users, n_items, n_ratings, seed=0):
        g = torch.Generator().manual_seed(seed)
        self.users = torch.randint(0, n_users, (n_ratings,), generator=g)
        self.items = torch.randint(0, n_items, (n_ratings,), generator=g)
        u_bias = torch.randn(n_users, generator=g) * 0.5
        i_bias = torch.randn(n_items, generator=g) * 0.5
        r = 3.5 + u_bias[self.users] + i_bias[self.items] + 0.3 * torch.randn(n_ratings, generator=g)
        self.ratings = r.clamp(1.0, 5.0)

    def __len__(self):
        return len(self.ratings)

    def __getitem__(self, idx):
        return self.users[idx], self.items[idx], self.ratings[idx]


class NeuMF(nn.Module):
    def __init__(self, n_users, n_items, gmf_dim=32, mlp_dims=(64, 32, 16)):
        super().__init__()
        self.gmf_u = nn.Embedding(n_users, gmf_dim)
        self.gmf_i = nn.Embedding(n_items, gmf_dim)
        self.mlp_u = nn.Embedding(n_users, mlp_dims[0] // 2)
        self.mlp_i = nn.Embedding(n_items, mlp_dims[0] // 2)
        layers = []
        for a, b in zip(mlp_dims[:-1], mlp_dims[1:]):
            layers += [nn.Linear(a, b), nn.ReLU(), nn.Dropout(0.1)]
        self.mlp = nn.Sequential(*layers)
        self.predictor = nn.Linear(gmf_dim + mlp_dims[-1], 1)
        for emb in (self.gmf_u, self.gmf_i, self.mlp_u, self.mlp_i):
            nn.init.normal_(emb.weight, std=0.01)

    def forward(self, u, i):
        gmf = self.gmf_u(u) * self.gmf_i(i)
        mlp = self.mlp(torch.cat([self.mlp_u(u), self.mlp_i(i)], -1))
        return self.predictor(torch.cat([gmf, mlp], -1)) + 3.5


def compute_loss(model, batch, device):
    u, i, r = (t.to(device) for t in batch)
    pred = model(u, i)
    return F.smooth_l1_loss(pred, r, beta=0.5)


@torch.no_grad()
def rmse(model, loader, device):
    model.eval()
    se, n = 0.0, 0
    for u, i, r in loader:
        pred = model(u.to(device), i.to(device)).view(-1).cpu()
        se += (pred.clamp(1, 5) - r).pow(2).sum().item()
        n += len(r)
    return math.sqrt(se / n)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--users", type=int, default=6040)
    ap.add_argument("--items", type=int, default=3706)
    ap.add_argument("--epochs", type=int, default=10)
    ap.add_argument("--lr", type=float, default=1e-3)
    ap.add_argument("--bs", type=int, default=1024)
    args = ap.parse_args()
    device = "cuda" if torch.cuda.is_available() else "cpu"

    train_dl = DataLoader(RatingsDataset(args.users, args.items, 400_000), batch_size=args.bs, shuffle=True)
    test_dl = DataLoader(RatingsDataset(args.users, args.items, 50_000, seed=1), batch_size=8192)
    model = NeuMF(args.users, args.items).to(device)
    opt = torch.optim.Adam(model.parameters(), lr=args.lr)

    for epoch in range(args.epochs):
        model.train()
        tot = 0.0
        for batch in train_dl:
            loss = compute_loss(model, batch, device)
            opt.zero_grad()
            loss.backward()
            opt.step()
            tot += loss.item()
        print(f"epoch {epoch} train_loss {tot / len(train_dl):.4f} test_rmse {rmse(model, test_dl, device):.4f}")

    torch.save(model.state_dict(), "neumf.pt")


if __name__ == "__main__":
    main()
