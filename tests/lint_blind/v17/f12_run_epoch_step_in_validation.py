# expect: TVL004
# style: shared run_epoch(train=...) helper, recommender (two-tower) with implicit feedback
# bug: in run_epoch the optimizer.step() is outside the `if train:` block, so the validation pass also steps Adam with the last training gradients and moves the weights.
import argparse
import time

import torch
import torch.nn as nn
import torch.nn.functional as F
from torch.utils.data import DataLoader, Dataset


class Interactions(Dataset):
    def __init__(self, n_users, n_items, n, seed):
        g = torch.Generator().manual_seed(seed)
        self.u = torch.randint(0, n_users, (n,), generator=g)
        self.i = torch.randint(0, n_items, (n,), generator=g)
        self.y = ((self.u * 7 + self.i * 3) % 5 < 2).float()

    def __len__(self):
        return len(self.y)

    def __getitem__(self, k):
        return self.u[k], self.i[k], self.y[k]


class TwoTower(nn.Module):
    def __init__(self, n_users, n_items, dim=64):
        super().__init__()
        self.user = nn.Sequential(nn.Embedding(n_users, dim), nn.Linear(dim, dim), nn.ReLU(), nn.Linear(dim, dim))
        self.item = nn.Sequential(nn.Embedding(n_items, dim), nn.Linear(dim, dim), nn.ReLU(), nn.Linear(dim, dim))

    def forward(self, u, i):
        return (self.user(u) * self.item(i)).sum(-1)


def run_epoch(model, loader, optimizer, device, train):
    model.train(train)
    total, n, correct = 0.0, 0, 0
    with torch.set_grad_enabled(train):
        for u, i, y in loader:
            u, i, y = u.to(device), i.to(device), y.to(device)
            logits = model(u, i)
            loss = F.binary_cross_entropy_with_logits(logits, y)
            if train:
                optimizer.zero_grad()
                loss.backward()
            optimizer.step()
            total += loss.item() * len(y)
            correct += ((logits > 0).float() == y).sum().item()
            n += len(y)
    return total / n, correct / n


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--users", type=int, default=2000)
    ap.add_argument("--items", type=int, default=5000)
    ap.add_argument("--dim", type=int, default=64)
    ap.add_argument("--epochs", type=int, default=10)
    ap.add_argument("--lr", type=float, default=1e-3)
    args = ap.parse_args()
    device = "cuda" if torch.cuda.is_available() else "cpu"

    train_ds = Interactions(args.users, args.items, 100_000, seed=0)
    val_ds = Interactions(args.users, args.items, 20_000, seed=1)
    train_dl = DataLoader(train_ds, batch_size=1024, shuffle=True)
    val_dl = DataLoader(val_ds, batch_size=4096)

    model = TwoTower(args.users, args.items, args.dim).to(device)
    optimizer = torch.optim.Adam(model.parameters(), lr=args.lr)

    for epoch in range(args.epochs):
        t0 = time.time()
        tr_loss, tr_acc = run_epoch(model, train_dl, optimizer, device, train=True)
        va_loss, va_acc = run_epoch(model, val_dl, optimizer, device, train=False)
        print(f"ep {epoch:02d} train {tr_loss:.4f}/{tr_acc:.3f}  val {va_loss:.4f}/{va_acc:.3f}  {time.time() - t0:.1f}s")

    torch.save(model.state_dict(), "two_tower.pt")


if __name__ == "__main__":
    main()
