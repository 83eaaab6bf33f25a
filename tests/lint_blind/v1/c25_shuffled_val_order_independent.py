# expect: clean
# style: Lightning-free research script where the val loader is (harmlessly) shuffled
# note: validation only aggregates order-independent sums (loss, correct count) per batch, so shuffle=True on it changes nothing
import argparse

import torch
import torch.nn as nn
import torch.nn.functional as F
from torch.utils.data import DataLoader, TensorDataset


class Classifier(nn.Module):
    def __init__(self, d_in=48, n_cls=6):
        super().__init__()
        self.net = nn.Sequential(nn.Linear(d_in, 128), nn.LayerNorm(128), nn.GELU(), nn.Dropout(0.1),
                                 nn.Linear(128, n_cls))

    def forward(self, x):
        return self.net(x)


@torch.no_grad()
def validate(model, loader):
    model.eval()
    loss_sum, correct, count = 0.0, 0, 0
    for x, y in loader:
        logits = model(x)
        loss_sum += F.cross_entropy(logits, y, reduction="sum").item()
        correct += (logits.argmax(-1) == y).sum().item()
        count += y.numel()
    return loss_sum / count, correct / count


def train_epoch(model, loader, optimizer):
    model.train()
    for x, y in loader:
        optimizer.zero_grad(set_to_none=True)
        F.cross_entropy(model(x), y).backward()
        optimizer.step()


if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("--epochs", type=int, default=10)
    parser.add_argument("--bs", type=int, default=64)
    args = parser.parse_args()
    x, y = torch.randn(5000, 48), torch.randint(0, 6, (5000,))
    train_loader = DataLoader(TensorDataset(x[:4000], y[:4000]), batch_size=args.bs, shuffle=True)
    val_loader = DataLoader(TensorDataset(x[4000:], y[4000:]), batch_size=256, shuffle=True)
    model = Classifier()
    optimizer = torch.optim.AdamW(model.parameters(), lr=2e-3)
    for epoch in range(args.epochs):
        train_epoch(model, train_loader, optimizer)
        val_loss, val_acc = validate(model, val_loader)
        print(f"epoch {epoch}: val_loss {val_loss:.4f} val_acc {val_acc:.4f}")
