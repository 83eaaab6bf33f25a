# expect: TVL005
# style: GitHub research repo MLP/ResMLP (layers built in a Python list in __init__)
# bug: self.blocks is a plain list of nn.Modules, so their weights are not registered, not optimised, not saved
import argparse

import torch
import torch.nn as nn
import torch.nn.functional as F
from torch.utils.data import DataLoader, TensorDataset


class ResidualMLP(nn.Module):
    def __init__(self, in_dim, hidden, depth, n_out):
        super().__init__()
        self.stem = nn.Linear(in_dim, hidden)
        self.blocks = []
        for _ in range(depth):
            self.blocks.append(nn.Sequential(nn.LayerNorm(hidden), nn.Linear(hidden, hidden), nn.GELU()))
        self.head = nn.Linear(hidden, n_out)

    def forward(self, x):
        h = self.stem(x)
        for blk in self.blocks:
            h = h + blk(h)
        return self.head(h)


def run_epoch(model, loader, optimizer):
    model.train()
    tot, n = 0.0, 0
    for x, y in loader:
        optimizer.zero_grad()
        loss = F.cross_entropy(model(x), y)
        loss.backward()
        optimizer.step()
        tot += loss.item() * len(x)
        n += len(x)
    return tot / n


@torch.no_grad()
def evaluate(model, loader):
    model.eval()
    correct = sum((model(x).argmax(-1) == y).sum().item() for x, y in loader)
    return correct / len(loader.dataset)


if __name__ == "__main__":
    ap = argparse.ArgumentParser()
    ap.add_argument("--depth", type=int, default=6)
    ap.add_argument("--hidden", type=int, default=256)
    ap.add_argument("--epochs", type=int, default=20)
    ap.add_argument("--lr", type=float, default=1e-3)
    args = ap.parse_args()

    X, Y = torch.randn(4000, 64), torch.randint(0, 5, (4000,))
    train_loader = DataLoader(TensorDataset(X[:3500], Y[:3500]), batch_size=128, shuffle=True)
    val_loader = DataLoader(TensorDataset(X[3500:], Y[3500:]), batch_size=512)
    model = ResidualMLP(64, args.hidden, args.depth, 5)
    optimizer = torch.optim.AdamW(model.parameters(), lr=args.lr)
    for epoch in range(args.epochs):
        loss = run_epoch(model, train_loader, optimizer)
        print(f"epoch {epoch}: loss {loss:.4f} val_acc {evaluate(model, val_loader):.4f}")
    torch.save(model.state_dict(), "resmlp.pt")
