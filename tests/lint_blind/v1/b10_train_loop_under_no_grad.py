# expect: TVL001
# style: pytorch/examples-style autoencoder script (train() and test() functions)
# bug: train() wraps the forward pass in torch.no_grad() (copied from test()), so loss.backward() has no graph to the model
import argparse

import torch
import torch.nn as nn
import torch.nn.functional as F
from torch.utils.data import DataLoader, TensorDataset


class AutoEncoder(nn.Module):
    def __init__(self, in_dim=784, latent=32):
        super().__init__()
        self.enc = nn.Sequential(nn.Linear(in_dim, 256), nn.ReLU(), nn.Linear(256, latent))
        self.dec = nn.Sequential(nn.Linear(latent, 256), nn.ReLU(), nn.Linear(256, in_dim))

    def forward(self, x):
        return self.dec(self.enc(x))


def train(args, model, loader, optimizer, epoch):
    model.train()
    for batch_idx, (data,) in enumerate(loader):
        data = data.view(data.size(0), -1)
        optimizer.zero_grad()
        with torch.no_grad():
            recon = model(data)
        loss = F.mse_loss(recon, data)
        loss.requires_grad_(True)
        loss.backward()
        optimizer.step()
        if batch_idx % args.log_interval == 0:
            print(f"Train Epoch: {epoch} [{batch_idx}/{len(loader)}]\tLoss: {loss.item():.6f}")


def test(model, loader):
    model.eval()
    total = 0.0
    with torch.no_grad():
        for (data,) in loader:
            data = data.view(data.size(0), -1)
            total += F.mse_loss(model(data), data, reduction="sum").item()
    print(f"Test set: average loss {total / len(loader.dataset):.4f}")


def main():
    parser = argparse.ArgumentParser(description="AE example")
    parser.add_argument("--batch-size", type=int, default=128)
    parser.add_argument("--epochs", type=int, default=10)
    parser.add_argument("--lr", type=float, default=1e-3)
    parser.add_argument("--log-interval", type=int, default=10)
    args = parser.parse_args()

    train_loader = DataLoader(TensorDataset(torch.rand(2048, 1, 28, 28)), batch_size=args.batch_size, shuffle=True)
    test_loader = DataLoader(TensorDataset(torch.rand(512, 1, 28, 28)), batch_size=args.batch_size)
    model = AutoEncoder()
    optimizer = torch.optim.Adam(model.parameters(), lr=args.lr)
    for epoch in range(1, args.epochs + 1):
        train(args, model, train_loader, optimizer, epoch)
        test(model, test_loader)


if __name__ == "__main__":
    main()
