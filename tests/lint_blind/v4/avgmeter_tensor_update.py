# expect: TVL012
# style: classic ImageNet example train() with AverageMeter/ProgressMeter helpers
# bug: losses.update(loss, n) is passed the loss tensor, and AverageMeter.update() does self.sum += val * n, so the meter holds a growing chain of graphs across the epoch
import argparse
import time

import torch
import torch.nn as nn
from torch.utils.data import DataLoader, TensorDataset


class AverageMeter:
    def __init__(self, name, fmt=":f"):
        self.name, self.fmt = name, fmt
        self.reset()

    def reset(self):
        self.val = self.avg = self.sum = 0
        self.count = 0

    def update(self, val, n=1):
        self.val = val
        self.sum += val * n
        self.count += n
        self.avg = self.sum / self.count

    def __str__(self):
        return f"{self.name} {float(self.val):.4f} ({float(self.avg):.4f})"


def train(train_loader, model, criterion, optimizer, epoch, print_freq=10):
    batch_time, losses = AverageMeter("Time"), AverageMeter("Loss")
    model.train()
    end = time.time()
    for i, (images, target) in enumerate(train_loader):
        output = model(images)
        loss = criterion(output, target)
        losses.update(loss, images.size(0))
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        batch_time.update(time.time() - end)
        end = time.time()
        if i % print_freq == 0:
            print(f"Epoch: [{epoch}][{i}/{len(train_loader)}]\t{batch_time}\t{losses}")
    return losses.avg


def main():
    parser = argparse.ArgumentParser(description="PyTorch ImageNet Training")
    parser.add_argument("--epochs", default=90, type=int)
    parser.add_argument("--lr", default=0.1, type=float)
    parser.add_argument("-b", "--batch-size", default=256, type=int)
    args = parser.parse_args()
    model = nn.Sequential(nn.Conv2d(3, 64, 7, 2, 3), nn.BatchNorm2d(64), nn.ReLU(),
                          nn.AdaptiveAvgPool2d(1), nn.Flatten(), nn.Linear(64, 1000))
    criterion = nn.CrossEntropyLoss()
    optimizer = torch.optim.SGD(model.parameters(), args.lr, momentum=0.9, weight_decay=1e-4)
    scheduler = torch.optim.lr_scheduler.StepLR(optimizer, step_size=30, gamma=0.1)
    ds = TensorDataset(torch.randn(1024, 3, 64, 64), torch.randint(0, 1000, (1024,)))
    train_loader = DataLoader(ds, batch_size=args.batch_size, shuffle=True, num_workers=2)
    for epoch in range(args.epochs):
        train(train_loader, model, criterion, optimizer, epoch)
        scheduler.step()


if __name__ == "__main__":
    main()
