# expect: clean
# style: pytorch/examples ImageNet-like script (own wording) with --resume and an epoch StepLR
# note: StepLR stepped once per epoch after the batch loop; --resume checkpoint loaded with torch.load(..., weights_only=True)
import argparse
import os

import torch
import torch.nn as nn
import torch.nn.functional as F
from torch.utils.data import DataLoader, TensorDataset


def build_model(arch, num_classes):
    width = {"small": 32, "base": 64}[arch]
    return nn.Sequential(nn.Conv2d(3, width, 3, 2, 1), nn.BatchNorm2d(width), nn.ReLU(),
                         nn.AdaptiveAvgPool2d(1), nn.Flatten(), nn.Linear(width, num_classes))


def train(loader, model, criterion, optimizer, epoch):
    model.train()
    loss_sum = 0.0
    for i, (images, target) in enumerate(loader):
        output = model(images)
        loss = criterion(output, target)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        loss_sum += loss.item()
    print(f"Epoch [{epoch}] avg loss {loss_sum / len(loader):.4f}")


def main():
    parser = argparse.ArgumentParser(description="classification training")
    parser.add_argument("--arch", default="small", choices=["small", "base"])
    parser.add_argument("--epochs", default=90, type=int)
    parser.add_argument("--lr", default=0.1, type=float)
    parser.add_argument("--resume", default="", type=str, metavar="PATH")
    args = parser.parse_args()
    model = build_model(args.arch, 100)
    criterion = nn.CrossEntropyLoss()
    optimizer = torch.optim.SGD(model.parameters(), args.lr, momentum=0.9, weight_decay=1e-4)
    scheduler = torch.optim.lr_scheduler.StepLR(optimizer, step_size=30, gamma=0.1)
    start_epoch = 0
    if args.resume and os.path.isfile(args.resume):
        checkpoint = torch.load(args.resume, map_location="cpu", weights_only=True)
        start_epoch = checkpoint["epoch"]
        model.load_state_dict(checkpoint["state_dict"])
        optimizer.load_state_dict(checkpoint["optimizer"])
        scheduler.load_state_dict(checkpoint["scheduler"])
    ds = TensorDataset(torch.randn(512, 3, 32, 32), torch.randint(0, 100, (512,)))
    loader = DataLoader(ds, batch_size=64, shuffle=True, num_workers=4)
    for epoch in range(start_epoch, args.epochs):
        train(loader, model, criterion, optimizer, epoch)
        scheduler.step()
        torch.save({"epoch": epoch + 1, "state_dict": model.state_dict(), "optimizer": optimizer.state_dict(),
                    "scheduler": scheduler.state_dict()}, "checkpoint.pth.tar")


if __name__ == "__main__":
    main()
