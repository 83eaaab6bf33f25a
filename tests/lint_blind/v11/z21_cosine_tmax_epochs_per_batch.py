# expect: TVL007
# style: timm-like train script with a scheduler factory; CosineAnnealingLR sized in epochs, stepped in the batch loop
# bug: `create_scheduler` sets T_max=args.epochs but `train_one_epoch` calls scheduler.step() after every batch, so the cosine cycle completes after a few dozen iterations
import argparse
import time

import torch
import torch.nn as nn
import torch.nn.functional as F
from torch.utils.data import DataLoader, TensorDataset


def create_model(n_cls=100):
    return nn.Sequential(
        nn.Conv2d(3, 64, 3, padding=1), nn.BatchNorm2d(64), nn.ReLU(),
        nn.Conv2d(64, 128, 3, stride=2, padding=1), nn.BatchNorm2d(128), nn.ReLU(),
        nn.AdaptiveAvgPool2d(1), nn.Flatten(), nn.Linear(128, n_cls))


def create_optimizer(model, args):
    return torch.optim.SGD(model.parameters(), lr=args.lr, momentum=0.9, weight_decay=args.weight_decay, nesterov=True)


def create_scheduler(optimizer, args):
    return torch.optim.lr_scheduler.CosineAnnealingLR(optimizer, T_max=args.epochs, eta_min=args.min_lr)


def train_one_epoch(epoch, model, loader, optimizer, lr_scheduler, log_interval=20):
    model.train()
    t0 = time.time()
    for batch_idx, (x, y) in enumerate(loader):
        out = model(x)
        loss = F.cross_entropy(out, y, label_smoothing=0.1)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        lr_scheduler.step()
        if batch_idx % log_interval == 0:
            lr = optimizer.param_groups[0]["lr"]
            print(f"Train: {epoch} [{batch_idx}/{len(loader)}] loss {loss.item():.4f} lr {lr:.5f} "
                  f"t {time.time() - t0:.1f}s")


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--epochs", type=int, default=30)
    p.add_argument("--lr", type=float, default=0.1)
    p.add_argument("--min-lr", type=float, default=1e-5)
    p.add_argument("--weight-decay", type=float, default=5e-4)
    p.add_argument("--batch-size", type=int, default=64)
    args = p.parse_args()

    model = create_model()
    optimizer = create_optimizer(model, args)
    lr_scheduler = create_scheduler(optimizer, args)
    ds = TensorDataset(torch.randn(2000, 3, 32, 32), torch.randint(0, 100, (2000,)))
    loader = DataLoader(ds, batch_size=args.batch_size, shuffle=True, num_workers=2, drop_last=True)
    for epoch in range(args.epochs):
        train_one_epoch(epoch, model, loader, optimizer, lr_scheduler)
        torch.save({"epoch": epoch, "model": model.state_dict(), "optimizer": optimizer.state_dict()},
                   "last.pth.tar")


if __name__ == "__main__":
    main()
