# expect: TVL007
# style: pytorch/examples imagenet main.py-like (StepLR(step_size=30) meant per epoch)
# bug: scheduler.step() sits inside the batch loop, so the "every 30 epochs" decay happens every 30 iterations
import argparse
import time

import torch
import torch.nn as nn
from torch.optim.lr_scheduler import StepLR
from torch.utils.data import DataLoader, TensorDataset


class AverageMeter:
    def __init__(self):
        self.sum, self.count = 0.0, 0

    def update(self, val, n=1):
        self.sum += val * n
        self.count += n

    @property
    def avg(self):
        return self.sum / max(1, self.count)


def build_model(num_classes):
    return nn.Sequential(nn.Conv2d(3, 64, 3, 1, 1), nn.BatchNorm2d(64), nn.ReLU(), nn.MaxPool2d(2),
                         nn.Conv2d(64, 128, 3, 1, 1), nn.BatchNorm2d(128), nn.ReLU(),
                         nn.AdaptiveAvgPool2d(1), nn.Flatten(), nn.Linear(128, num_classes))


def main():
    parser = argparse.ArgumentParser(description="PyTorch ImageNet Training")
    parser.add_argument("--epochs", default=90, type=int)
    parser.add_argument("--lr", default=0.1, type=float)
    parser.add_argument("--momentum", default=0.9, type=float)
    parser.add_argument("--wd", default=1e-4, type=float)
    parser.add_argument("-b", "--batch-size", default=64, type=int)
    args = parser.parse_args()

    dataset = TensorDataset(torch.randn(2048, 3, 32, 32), torch.randint(0, 100, (2048,)))
    train_loader = DataLoader(dataset, batch_size=args.batch_size, shuffle=True, num_workers=4, pin_memory=True)
    model = build_model(100)
    criterion = nn.CrossEntropyLoss()
    optimizer = torch.optim.SGD(model.parameters(), args.lr, momentum=args.momentum, weight_decay=args.wd)
    scheduler = StepLR(optimizer, step_size=30, gamma=0.1)

    for epoch in range(args.epochs):
        model.train()
        losses, end = AverageMeter(), time.time()
        for i, (images, target) in enumerate(train_loader):
            output = model(images)
            loss = criterion(output, target)
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
            scheduler.step()
            losses.update(loss.item(), images.size(0))
        print(f"Epoch [{epoch}] loss {losses.avg:.4f} lr {scheduler.get_last_lr()[0]:.5f} time {time.time() - end:.1f}s")


if __name__ == "__main__":
    main()
