# expect: TVL004
# style: research repo with argparse and separate train/validate functions, speech keyword spotting
# bug: validate() switches the model to eval(); main() only calls model.train() once before the epoch loop, so every epoch after the first trains with dropout off and frozen BatchNorm statistics.
import argparse
import os

import torch
import torch.nn as nn
import torch.nn.functional as F
from torch.utils.data import DataLoader, TensorDataset


class DSCNN(nn.Module):
    """Depthwise-separable CNN over log-mel spectrograms."""

    def __init__(self, n_classes=12, c=64):
        super().__init__()
        self.stem = nn.Sequential(nn.Conv2d(1, c, (10, 4), stride=(2, 2), padding=(5, 1)), nn.BatchNorm2d(c), nn.ReLU())
        layers = []
        for _ in range(4):
            layers += [nn.Conv2d(c, c, 3, padding=1, groups=c), nn.BatchNorm2d(c), nn.ReLU(),
                       nn.Conv2d(c, c, 1), nn.BatchNorm2d(c), nn.ReLU()]
        self.body = nn.Sequential(*layers)
        self.drop = nn.Dropout(0.2)
        self.fc = nn.Linear(c, n_classes)

    def forward(self, x):
        h = self.body(self.stem(x)).mean((2, 3))
        return self.fc(self.drop(h))


def train_one_epoch(model, loader, optimizer):
    total, n = 0.0, 0
    for spec, label in loader:
        logits = model(spec)
        loss = F.cross_entropy(logits, label)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        total += loss.item() * spec.size(0)
        n += spec.size(0)
    return total / n


def validate(model, loader):
    model.eval()
    correct, n = 0, 0
    with torch.no_grad():
        for spec, label in loader:
            correct += (model(spec).argmax(-1) == label).sum().item()
            n += label.numel()
    return correct / n


def get_loaders(batch_size):
    x = torch.randn(4000, 1, 49, 40)
    y = torch.randint(0, 12, (4000,))
    tr = DataLoader(TensorDataset(x[:3500], y[:3500]), batch_size=batch_size, shuffle=True, num_workers=2)
    va = DataLoader(TensorDataset(x[3500:], y[3500:]), batch_size=256, shuffle=False)
    return tr, va


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--epochs", type=int, default=30)
    ap.add_argument("--bs", type=int, default=100)
    ap.add_argument("--lr", type=float, default=5e-4)
    ap.add_argument("--out", default="runs/dscnn")
    args = ap.parse_args()
    os.makedirs(args.out, exist_ok=True)

    train_loader, val_loader = get_loaders(args.bs)
    model = DSCNN()
    optimizer = torch.optim.Adam(model.parameters(), lr=args.lr)

    best = 0.0
    model.train()
    for epoch in range(1, args.epochs + 1):
        tr_loss = train_one_epoch(model, train_loader, optimizer)
        acc = validate(model, val_loader)
        if acc > best:
            best = acc
            torch.save(model.state_dict(), os.path.join(args.out, "best.pt"))
        print(f"epoch {epoch} loss {tr_loss:.4f} val_acc {acc:.4f} best {best:.4f}")


if __name__ == "__main__":
    main()
