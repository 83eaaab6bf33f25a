# expect: clean
# style: pytorch/examples imagenet main.py --resume, updated for torch>=2.4 (weights_only=True)
# note: torch.load of a command-line path uses weights_only=True; the checkpoint holds only tensors/ints/floats
import argparse
import os

import torch
import torch.nn as nn
from torch.utils.data import DataLoader, TensorDataset


def build_model():
    return nn.Sequential(nn.Flatten(), nn.Linear(3 * 32 * 32, 256), nn.ReLU(), nn.Linear(256, 10))


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--epochs", default=20, type=int)
    parser.add_argument("--lr", default=0.05, type=float)
    parser.add_argument("--resume", default="", type=str, metavar="PATH")
    parser.add_argument("--out", default="checkpoint.pt", type=str)
    args = parser.parse_args()

    model = build_model()
    optimizer = torch.optim.SGD(model.parameters(), lr=args.lr, momentum=0.9)
    scheduler = torch.optim.lr_scheduler.StepLR(optimizer, step_size=8, gamma=0.1)
    start_epoch = 0
    if args.resume and os.path.isfile(args.resume):
        checkpoint = torch.load(args.resume, map_location="cpu", weights_only=True)
        model.load_state_dict(checkpoint["state_dict"])
        optimizer.load_state_dict(checkpoint["optimizer"])
        scheduler.load_state_dict(checkpoint["scheduler"])
        start_epoch = checkpoint["epoch"]
        print(f"=> resumed from '{args.resume}' at epoch {start_epoch}")

    ds = TensorDataset(torch.randn(2000, 3, 32, 32), torch.randint(0, 10, (2000,)))
    train_loader = DataLoader(ds, batch_size=100, shuffle=True)
    criterion = nn.CrossEntropyLoss()
    for epoch in range(start_epoch, args.epochs):
        model.train()
        loss_sum = 0.0
        for images, target in train_loader:
            loss = criterion(model(images), target)
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
            loss_sum += loss.item()
        scheduler.step()
        print(f"epoch {epoch}: loss {loss_sum / len(train_loader):.4f}")
        torch.save({"epoch": epoch + 1, "state_dict": model.state_dict(), "optimizer": optimizer.state_dict(),
                    "scheduler": scheduler.state_dict()}, args.out)


if __name__ == "__main__":
    main()
