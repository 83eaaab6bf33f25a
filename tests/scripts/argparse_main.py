"""Behaviour: argparse and an `if __name__ == "__main__":` guard; prints its parsed arguments."""

import argparse

import torch
import torch.nn.functional as F
from torch import nn


def train(epochs: int, lr: float) -> float:
    g = torch.Generator().manual_seed(0)
    x = torch.randn(256, 8, generator=g)
    y = x[:, :1] * 2 - x[:, 1:2]
    model = nn.Sequential(nn.Linear(8, 32), nn.ReLU(), nn.Linear(32, 1))
    optimizer = torch.optim.Adam(model.parameters(), lr=lr)
    for _ in range(epochs):
        for j in range(0, len(x), 32):
            optimizer.zero_grad()
            loss = F.mse_loss(model(x[j : j + 32]), y[j : j + 32])
            loss.backward()
            optimizer.step()
    return loss.item()


def main() -> None:
    parser = argparse.ArgumentParser(description="a plain training script")
    parser.add_argument("--epochs", type=int, default=3)
    parser.add_argument("--lr", type=float, default=1e-3)
    parser.add_argument("--tag", default="none")
    args = parser.parse_args()
    print(f"parsed: epochs={args.epochs} lr={args.lr} tag={args.tag}", flush=True)
    loss = train(args.epochs, args.lr)
    print(f"done: loss={loss:.4f}", flush=True)


if __name__ == "__main__":
    torch.set_num_threads(1)
    torch.manual_seed(0)
    main()
