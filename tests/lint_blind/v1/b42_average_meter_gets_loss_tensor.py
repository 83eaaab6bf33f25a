# expect: TVL012
# style: timm / pytorch imagenet-example AverageMeter pattern (meter class + train_one_epoch)
# bug: losses_m.update(loss, n) passes the loss tensor; AverageMeter sums it into self.sum, retaining each graph
import argparse
import time

import torch
import torch.nn as nn
from torch.utils.data import DataLoader, TensorDataset


class AverageMeter:
    """Computes and stores the average and current value"""

    def __init__(self):
        self.reset()

    def reset(self):
        self.val = 0
        self.avg = 0
        self.sum = 0
        self.count = 0

    def update(self, val, n=1):
        self.val = val
        self.sum += val * n
        self.count += n
        self.avg = self.sum / self.count


def train_one_epoch(epoch, model, loader, optimizer, loss_fn, log_interval=10):
    batch_time_m, losses_m = AverageMeter(), AverageMeter()
    model.train()
    end = time.time()
    for batch_idx, (input, target) in enumerate(loader):
        output = model(input)
        loss = loss_fn(output, target)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        losses_m.update(loss, input.size(0))
        batch_time_m.update(time.time() - end)
        end = time.time()
        if batch_idx % log_interval == 0:
            print(f"Train: {epoch} [{batch_idx:>4d}/{len(loader)}]  Loss: {losses_m.val:.4f} ({losses_m.avg:.4f})  "
                  f"Time: {batch_time_m.val:.3f}s")
    return {"loss": float(losses_m.avg)}


def main():
    parser = argparse.ArgumentParser(description="timm-like training")
    parser.add_argument("--epochs", type=int, default=3)
    parser.add_argument("--lr", type=float, default=0.05)
    parser.add_argument("--batch-size", type=int, default=64)
    args = parser.parse_args()
    ds = TensorDataset(torch.randn(1280, 3, 32, 32), torch.randint(0, 10, (1280,)))
    loader = DataLoader(ds, batch_size=args.batch_size, shuffle=True, drop_last=True)
    model = nn.Sequential(nn.Conv2d(3, 32, 3, 2, 1), nn.BatchNorm2d(32), nn.ReLU(), nn.AdaptiveAvgPool2d(1),
                          nn.Flatten(), nn.Linear(32, 10))
    optimizer = torch.optim.SGD(model.parameters(), lr=args.lr, momentum=0.9)
    loss_fn = nn.CrossEntropyLoss()
    for epoch in range(args.epochs):
        metrics = train_one_epoch(epoch, model, loader, optimizer, loss_fn)
        print(f"epoch {epoch}: {metrics}")


if __name__ == "__main__":
    main()
