# expect: TVL004
# style: recommender (matrix factorisation / NCF) repo with a shared run_batch helper
# bug: evaluate() reuses run_batch(..., optimizer) which calls optimizer.step(), so the validation pass updates the model on validation ratings
import argparse
import logging

import torch
import torch.nn as nn
from torch.utils.data import DataLoader, Dataset

logger = logging.getLogger("ncf")


class Ratings(Dataset):
    def __init__(self, n, n_users, n_items, seed):
        g = torch.Generator().manual_seed(seed)
        self.u = torch.randint(0, n_users, (n,), generator=g)
        self.i = torch.randint(0, n_items, (n,), generator=g)
        self.r = (torch.rand(n, generator=g) * 4 + 1).round()

    def __len__(self):
        return len(self.r)

    def __getitem__(self, k):
        return self.u[k], self.i[k], self.r[k]


class NCF(nn.Module):
    def __init__(self, n_users, n_items, dim=32):
        super().__init__()
        self.user = nn.Embedding(n_users, dim)
        self.item = nn.Embedding(n_items, dim)
        self.mlp = nn.Sequential(nn.Linear(2 * dim, 64), nn.ReLU(), nn.Dropout(0.2), nn.Linear(64, 1))
        self.user_bias = nn.Embedding(n_users, 1)
        self.item_bias = nn.Embedding(n_items, 1)

    def forward(self, u, i):
        h = torch.cat([self.user(u), self.item(i)], -1)
        out = self.mlp(h) + self.user_bias(u) + self.item_bias(i)
        return out.squeeze(-1)


def run_batch(model, batch, optimizer, device):
    u, i, r = (t.to(device) for t in batch)
    pred = model(u, i)
    loss = nn.functional.mse_loss(pred, r)
    if optimizer is not None:
        optimizer.zero_grad()
    loss.backward()
    if optimizer is not None:
        optimizer.step()
    return loss.item(), u.size(0)


def train(model, loader, optimizer, device):
    model.train()
    tot, n = 0.0, 0
    for batch in loader:
        l, b = run_batch(model, batch, optimizer, device)
        tot += l * b
        n += b
    return (tot / n) ** 0.5


def evaluate(model, loader, optimizer, device):
    model.eval()
    tot, n = 0.0, 0
    for batch in loader:
        l, b = run_batch(model, batch, optimizer, device)
        tot += l * b
        n += b
    return (tot / n) ** 0.5


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--users", type=int, default=2000)
    p.add_argument("--items", type=int, default=1500)
    p.add_argument("--epochs", type=int, default=12)
    p.add_argument("--lr", type=float, default=5e-3)
    args = p.parse_args()
    logging.basicConfig(level=logging.INFO)
    dev = torch.device("cuda" if torch.cuda.is_available() else "cpu")

    train_dl = DataLoader(Ratings(80000, args.users, args.items, 0), batch_size=1024, shuffle=True)
    val_dl = DataLoader(Ratings(10000, args.users, args.items, 1), batch_size=4096)
    model = NCF(args.users, args.items).to(dev)
    opt = torch.optim.Adam(model.parameters(), lr=args.lr, weight_decay=1e-5)

    best = float("inf")
    for ep in range(args.epochs):
        tr_rmse = train(model, train_dl, opt, dev)
        va_rmse = evaluate(model, val_dl, opt, dev)
        logger.info("epoch %d train_rmse %.4f val_rmse %.4f", ep, tr_rmse, va_rmse)
        if va_rmse < best:
            best = va_rmse
            torch.save(model.state_dict(), "ncf_best.pt")
    logger.info("best val rmse %.4f", best)


if __name__ == "__main__":
    main()
