# expect: clean
# style: research code with argparse + tqdm (few-shot / retrieval classifier); validation loader shuffled on purpose
# note: validation DataLoader has shuffle=True but the metric is an order-independent sum of per-batch correct counts computed with the batch's own labels
import argparse

import torch
import torch.nn as nn
import torch.nn.functional as F
from torch.utils.data import DataLoader, TensorDataset
from tqdm import tqdm


class ProtoEncoder(nn.Module):
    def __init__(self, d_in=64, d=128, n_cls=20):
        super().__init__()
        self.body = nn.Sequential(nn.Linear(d_in, d), nn.BatchNorm1d(d), nn.ReLU(), nn.Linear(d, d))
        self.cls = nn.Linear(d, n_cls)

    def forward(self, x):
        return self.cls(F.relu(self.body(x)))


@torch.no_grad()
def validate(model, loader):
    """Shuffled so that the 'first-k-batches' quick eval below samples all classes."""
    model.eval()
    correct = total = 0
    for x, y in loader:
        correct += (model(x).argmax(1) == y).sum().item()
        total += y.numel()
    return correct / total


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--epochs", type=int, default=10)
    ap.add_argument("--lr", type=float, default=1e-3)
    args = ap.parse_args()
    tr = TensorDataset(torch.randn(2000, 64), torch.randint(0, 20, (2000,)))
    va = TensorDataset(torch.randn(400, 64), torch.randint(0, 20, (400,)))
    train_loader = DataLoader(tr, batch_size=64, shuffle=True)
    val_loader = DataLoader(va, batch_size=50, shuffle=True)
    model = ProtoEncoder()
    optimizer = torch.optim.Adam(model.parameters(), lr=args.lr)
    best = 0.0
    for epoch in range(args.epochs):
        model.train()
        for x, y in tqdm(train_loader, leave=False):
            loss = F.cross_entropy(model(x), y)
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
        acc = validate(model, val_loader)
        best = max(best, acc)
        tqdm.write(f"epoch {epoch} val acc {acc:.4f} (best {best:.4f})")


if __name__ == "__main__":
    main()
