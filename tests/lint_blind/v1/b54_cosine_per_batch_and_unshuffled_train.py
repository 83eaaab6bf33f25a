# expect: TVL007,TVL015
# style: Lightning-free "train.py + utils.py" repo collapsed into one file (get_loaders() / fit() helpers)
# bug: CosineAnnealingLR(T_max=epochs) is stepped every batch inside fit(); get_loaders() builds the train loader without shuffle
import argparse

import torch
import torch.nn as nn
import torch.nn.functional as F
from torch.utils.data import DataLoader, TensorDataset


def get_loaders(batch_size):
    x = torch.randn(3000, 40)
    y = (x[:, :4].sum(1) > 0).long()
    order = torch.argsort(y)  # stored sorted by label on disk
    train = TensorDataset(x[order][:2500], y[order][:2500])
    val = TensorDataset(x[2500:], y[2500:])
    return DataLoader(train, batch_size=batch_size), DataLoader(val, batch_size=512)


class GatedMLP(nn.Module):
    def __init__(self, d_in=40, d_h=128, n_out=2):
        super().__init__()
        self.proj = nn.Linear(d_in, 2 * d_h)
        self.out = nn.Linear(d_h, n_out)

    def forward(self, x):
        a, b = self.proj(x).chunk(2, dim=-1)
        return self.out(a * torch.sigmoid(b))


def fit(model, train_loader, val_loader, epochs, lr):
    optimizer = torch.optim.AdamW(model.parameters(), lr=lr, weight_decay=0.05)
    scheduler = torch.optim.lr_scheduler.CosineAnnealingLR(optimizer, T_max=epochs)
    for epoch in range(epochs):
        model.train()
        running = 0.0
        for xb, yb in train_loader:
            optimizer.zero_grad()
            loss = F.cross_entropy(model(xb), yb)
            loss.backward()
            optimizer.step()
            scheduler.step()
            running += loss.item()
        model.eval()
        with torch.no_grad():
            acc = sum((model(xb).argmax(1) == yb).sum().item() for xb, yb in val_loader) / len(val_loader.dataset)
        print(f"epoch {epoch}: loss {running / len(train_loader):.4f} acc {acc:.4f} lr {scheduler.get_last_lr()[0]:.2e}")


if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("--epochs", type=int, default=30)
    parser.add_argument("--lr", type=float, default=3e-3)
    parser.add_argument("--batch-size", type=int, default=64)
    args = parser.parse_args()
    train_loader, val_loader = get_loaders(args.batch_size)
    fit(GatedMLP(), train_loader, val_loader, args.epochs, args.lr)
