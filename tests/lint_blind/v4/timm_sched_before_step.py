# expect: TVL007
# style: timm train.py-like train_one_epoch with a per-iteration cosine LambdaLR
# bug: lr_scheduler.step() is called before optimizer.step() inside the batch loop, so the first LR value is skipped and the schedule is off by one
import argparse
import math
import time

import torch
import torch.nn as nn
from torch.utils.data import DataLoader, TensorDataset


def create_model(num_classes=100, drop=0.1):
    return nn.Sequential(
        nn.Conv2d(3, 48, 4, 4), nn.GELU(), nn.Conv2d(48, 96, 2, 2), nn.GELU(),
        nn.AdaptiveAvgPool2d(1), nn.Flatten(), nn.Dropout(drop), nn.Linear(96, num_classes),
    )


def cosine_lambda(total, warmup):
    def f(it):
        if it < warmup:
            return (it + 1) / warmup
        return 0.5 * (1 + math.cos(math.pi * (it - warmup) / max(1, total - warmup)))
    return f


def train_one_epoch(epoch, model, loader, optimizer, loss_fn, lr_scheduler, log_interval=20):
    model.train()
    end = time.time()
    for batch_idx, (inp, target) in enumerate(loader):
        output = model(inp)
        loss = loss_fn(output, target)
        optimizer.zero_grad()
        loss.backward()
        lr_scheduler.step()
        optimizer.step()
        if batch_idx % log_interval == 0:
            lr = optimizer.param_groups[0]["lr"]
            print(f"Train: {epoch} [{batch_idx}/{len(loader)}] Loss: {loss.item():.4f} LR: {lr:.3e} "
                  f"Time: {time.time() - end:.2f}s")
        end = time.time()


def main():
    parser = argparse.ArgumentParser(description="PyTorch ImageNet-ish Training")
    parser.add_argument("--epochs", type=int, default=10)
    parser.add_argument("--lr", type=float, default=5e-4)
    parser.add_argument("--warmup-iters", type=int, default=50)
    parser.add_argument("--smoothing", type=float, default=0.1)
    args = parser.parse_args()
    model = create_model()
    ds = TensorDataset(torch.randn(1024, 3, 64, 64), torch.randint(0, 100, (1024,)))
    loader_train = DataLoader(ds, batch_size=64, shuffle=True, drop_last=True)
    optimizer = torch.optim.AdamW(model.parameters(), lr=args.lr, weight_decay=0.05)
    total = args.epochs * len(loader_train)
    lr_scheduler = torch.optim.lr_scheduler.LambdaLR(optimizer, cosine_lambda(total, args.warmup_iters))
    train_loss_fn = nn.CrossEntropyLoss(label_smoothing=args.smoothing)
    for epoch in range(args.epochs):
        train_one_epoch(epoch, model, loader_train, optimizer, train_loss_fn, lr_scheduler)


if __name__ == "__main__":
    main()
