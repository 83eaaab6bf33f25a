# expect: TVL012
# style: detectron2/mmcv-like AverageMeter utility used by a train loop in another function
# bug: `AverageMeter.update` accumulates `val * n` where the caller passes the loss tensor itself, so `self.sum` holds a growing autograd graph across iterations
import time

import torch
import torch.nn as nn
import torch.nn.functional as F
from torch.utils.data import DataLoader, TensorDataset


class AverageMeter:
    def __init__(self, name):
        self.name = name
        self.reset()

    def reset(self):
        self.sum, self.count, self.val = 0.0, 0, 0.0

    def update(self, val, n=1):
        self.val = val
        self.sum += val * n
        self.count += n

    @property
    def avg(self):
        return self.sum / max(1, self.count)

    def __str__(self):
        return f"{self.name} {float(self.val):.4f} ({float(self.avg):.4f})"


def build_model():
    return nn.Sequential(
        nn.Conv2d(3, 32, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
        nn.Conv2d(32, 64, 3, padding=1), nn.ReLU(), nn.AdaptiveAvgPool2d(4),
        nn.Flatten(), nn.Linear(64 * 16, 10))


def train_epoch(model, loader, optimizer, epoch, print_freq=20):
    losses = AverageMeter("Loss")
    batch_time = AverageMeter("Time")
    model.train()
    end = time.time()
    for i, (images, target) in enumerate(loader):
        output = model(images)
        loss = F.cross_entropy(output, target)
        losses.update(loss, images.size(0))
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        batch_time.update(time.time() - end)
        end = time.time()
        if i % print_freq == 0:
            print(f"Epoch [{epoch}][{i}/{len(loader)}]  {batch_time}  {losses}")
    return float(losses.avg)


def main():
    ds = TensorDataset(torch.randn(3000, 3, 32, 32), torch.randint(0, 10, (3000,)))
    loader = DataLoader(ds, batch_size=64, shuffle=True, num_workers=0)
    model = build_model()
    optimizer = torch.optim.SGD(model.parameters(), lr=0.05, momentum=0.9, weight_decay=1e-4)
    best = float("inf")
    for epoch in range(10):
        avg = train_epoch(model, loader, optimizer, epoch)
        if avg < best:
            best = avg
            torch.save({"epoch": epoch, "state_dict": model.state_dict()}, "model_best.pth.tar")
    print("best train loss", best)


if __name__ == "__main__":
    main()
