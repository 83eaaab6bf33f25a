# expect: TVL014
# style: research train script with --resume; loading done in a `load_checkpoint` utility
# bug: `load_checkpoint(args.resume, ...)` calls torch.load on the user-supplied path without weights_only=True
import argparse
import os

import torch
import torch.nn as nn
import torch.nn.functional as F
from torch.utils.data import DataLoader, TensorDataset


def get_args():
    p = argparse.ArgumentParser()
    p.add_argument("--resume", type=str, default="", help="path to checkpoint")
    p.add_argument("--epochs", type=int, default=20)
    p.add_argument("--lr", type=float, default=1e-3)
    p.add_argument("--out", type=str, default="runs/exp")
    return p.parse_args()


def build_model():
    return nn.Sequential(nn.Linear(40, 128), nn.ReLU(), nn.Linear(128, 128), nn.ReLU(), nn.Linear(128, 3))


def save_checkpoint(path, model, optimizer, epoch, best):
    os.makedirs(os.path.dirname(path), exist_ok=True)
    torch.save({"model": model.state_dict(), "optimizer": optimizer.state_dict(), "epoch": epoch, "best": best}, path)


def load_checkpoint(path, model, optimizer):
    ckpt = torch.load(path, map_location="cpu")
    model.load_state_dict(ckpt["model"])
    optimizer.load_state_dict(ckpt["optimizer"])
    return ckpt["epoch"] + 1, ckpt.get("best", 0.0)


def main():
    args = get_args()
    model = build_model()
    optimizer = torch.optim.Adam(model.parameters(), lr=args.lr)
    start_epoch, best = 0, 0.0
    if args.resume:
        start_epoch, best = load_checkpoint(args.resume, model, optimizer)
        print(f"resumed from {args.resume} at epoch {start_epoch}")

    x = torch.randn(3000, 40)
    y = torch.randint(0, 3, (3000,))
    train_dl = DataLoader(TensorDataset(x[:2400], y[:2400]), batch_size=64, shuffle=True)
    val_dl = DataLoader(TensorDataset(x[2400:], y[2400:]), batch_size=256)
    for epoch in range(start_epoch, args.epochs):
        model.train()
        for xb, yb in train_dl:
            loss = F.cross_entropy(model(xb), yb)
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
        model.eval()
        with torch.no_grad():
            acc = sum((model(xb).argmax(1) == yb).sum().item() for xb, yb in val_dl) / 600
        print(f"epoch {epoch} val acc {acc:.4f}")
        save_checkpoint(os.path.join(args.out, "last.pt"), model, optimizer, epoch, best)
        if acc > best:
            best = acc
            save_checkpoint(os.path.join(args.out, "best.pt"), model, optimizer, epoch, best)


if __name__ == "__main__":
    main()
