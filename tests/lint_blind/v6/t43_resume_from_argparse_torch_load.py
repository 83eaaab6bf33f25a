# expect: TVL014
# style: research repo train.py with --resume flag and a checkpoint utility, ResNet-ish classification
# bug: load_checkpoint() calls torch.load(path, map_location="cpu") without weights_only=True on the path taken from the --resume command-line argument.
import argparse
import os

import torch
import torch.nn as nn
import torch.nn.functional as F
from torch.utils.data import DataLoader, TensorDataset


def save_checkpoint(state, out_dir, name="last.pth"):
    os.makedirs(out_dir, exist_ok=True)
    torch.save(state, os.path.join(out_dir, name))


def load_checkpoint(path, model, optimizer=None):
    ckpt = torch.load(path, map_location="cpu")
    model.load_state_dict(ckpt["model"])
    if optimizer is not None and "optimizer" in ckpt:
        optimizer.load_state_dict(ckpt["optimizer"])
    return ckpt.get("epoch", -1) + 1


def build_model(num_classes):
    return nn.Sequential(
        nn.Conv2d(3, 64, 7, stride=2, padding=3), nn.BatchNorm2d(64), nn.ReLU(), nn.MaxPool2d(3, 2, 1),
        nn.Conv2d(64, 128, 3, stride=2, padding=1), nn.BatchNorm2d(128), nn.ReLU(),
        nn.AdaptiveAvgPool2d(1), nn.Flatten(), nn.Linear(128, num_classes),
    )


def parse_args():
    p = argparse.ArgumentParser()
    p.add_argument("--epochs", type=int, default=20)
    p.add_argument("--lr", type=float, default=0.1)
    p.add_argument("--resume", type=str, default="", help="path to checkpoint to resume from")
    p.add_argument("--out", type=str, default="checkpoints")
    p.add_argument("--num-classes", type=int, default=200)
    return p.parse_args()


def main():
    args = parse_args()
    model = build_model(args.num_classes)
    optimizer = torch.optim.SGD(model.parameters(), lr=args.lr, momentum=0.9, weight_decay=1e-4)
    start_epoch = 0
    if args.resume:
        start_epoch = load_checkpoint(args.resume, model, optimizer)
        print(f"resumed from {args.resume} at epoch {start_epoch}")

    x = torch.randn(1000, 3, 64, 64)
    y = torch.randint(0, args.num_classes, (1000,))
    loader = DataLoader(TensorDataset(x, y), batch_size=50, shuffle=True)

    for epoch in range(start_epoch, args.epochs):
        model.train()
        for images, targets in loader:
            loss = F.cross_entropy(model(images), targets)
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
        print(f"epoch {epoch} loss {loss.item():.4f}")
        save_checkpoint({"model": model.state_dict(), "optimizer": optimizer.state_dict(), "epoch": epoch}, args.out)


if __name__ == "__main__":
    main()
