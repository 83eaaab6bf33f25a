# expect: TVL007
# style: YOLO-style trainer split into train_one_epoch(model, loader, optimizer, scheduler)
# bug: main() builds an epoch-based StepLR(step_size=30) but train_one_epoch() steps it every batch, so LR collapses in the first epochs
import argparse

import torch
import torch.nn as nn
import torch.nn.functional as F
from torch.utils.data import DataLoader, TensorDataset


class TinyYolo(nn.Module):
    def __init__(self, nc=3):
        super().__init__()
        self.body = nn.Sequential(nn.Conv2d(3, 16, 3, 2, 1), nn.BatchNorm2d(16), nn.SiLU(),
                                  nn.Conv2d(16, 32, 3, 2, 1), nn.BatchNorm2d(32), nn.SiLU())
        self.pred = nn.Conv2d(32, 5 + nc, 1)

    def forward(self, x):
        return self.pred(self.body(x))


def yolo_loss(p, t):
    return F.binary_cross_entropy_with_logits(p[:, 4], t[:, 4]) + F.mse_loss(p[:, :4].sigmoid(), t[:, :4])


def train_one_epoch(model, loader, optimizer, scheduler, epoch, log_every=10):
    model.train()
    for i, (imgs, targets) in enumerate(loader):
        loss = yolo_loss(model(imgs), targets)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        scheduler.step()
        if i % log_every == 0:
            print(f"{epoch:>4d} {i:>5d}  loss={loss.item():.4f}  lr={optimizer.param_groups[0]['lr']:.2e}")


@torch.no_grad()
def evaluate(model, loader):
    model.eval()
    tot = 0.0
    for imgs, targets in loader:
        tot += yolo_loss(model(imgs), targets).item()
    return tot / len(loader)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--epochs", type=int, default=100)
    parser.add_argument("--lr", type=float, default=0.01)
    parser.add_argument("--batch", type=int, default=8)
    opt = parser.parse_args()
    model = TinyYolo()
    optimizer = torch.optim.SGD(model.parameters(), lr=opt.lr, momentum=0.937, weight_decay=5e-4)
    scheduler = torch.optim.lr_scheduler.StepLR(optimizer, step_size=30, gamma=0.1)
    tr = TensorDataset(torch.rand(160, 3, 64, 64), torch.rand(160, 8, 16, 16))
    va = TensorDataset(torch.rand(32, 3, 64, 64), torch.rand(32, 8, 16, 16))
    train_loader = DataLoader(tr, batch_size=opt.batch, shuffle=True)
    val_loader = DataLoader(va, batch_size=opt.batch)
    for epoch in range(opt.epochs):
        train_one_epoch(model, train_loader, optimizer, scheduler, epoch)
        print(f"epoch {epoch} val_loss {evaluate(model, val_loader):.4f}")


if __name__ == "__main__":
    main()
