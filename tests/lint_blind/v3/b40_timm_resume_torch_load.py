# expect: TVL014
# style: timm train.py-like resume logic (--resume, resume_checkpoint returning start epoch, optimizer state restore)
# bug: the --resume path from the command line is opened with torch.load(...) without weights_only=True
import argparse
import logging
import os

import torch
import torch.nn as nn
from torch.utils.data import DataLoader, TensorDataset

_logger = logging.getLogger("train")

parser = argparse.ArgumentParser(description="PyTorch ImageNet Training")
parser.add_argument("--resume", default="", type=str, metavar="PATH", help="Resume full model and optimizer state from checkpoint")
parser.add_argument("--epochs", type=int, default=30)
parser.add_argument("--lr", type=float, default=0.05)
parser.add_argument("--output", default="./output", type=str)


def resume_checkpoint(model, optimizer, args):
    start_epoch = 0
    if args.resume and os.path.isfile(args.resume):
        checkpoint = torch.load(args.resume, map_location="cpu")
        model.load_state_dict(checkpoint["state_dict"])
        if optimizer is not None and "optimizer" in checkpoint:
            optimizer.load_state_dict(checkpoint["optimizer"])
        start_epoch = checkpoint.get("epoch", -1) + 1
        _logger.info(f"Loaded checkpoint '{args.resume}' (epoch {start_epoch})")
    return start_epoch


def train_one_epoch(model, loader, optimizer, loss_fn):
    model.train()
    for inp, target in loader:
        loss = loss_fn(model(inp), target)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
    return loss.item()


def main():
    logging.basicConfig(level=logging.INFO)
    args = parser.parse_args()
    os.makedirs(args.output, exist_ok=True)
    model = nn.Sequential(nn.Conv2d(3, 32, 3, 2, 1), nn.BatchNorm2d(32), nn.ReLU(), nn.AdaptiveAvgPool2d(1), nn.Flatten(), nn.Linear(32, 100))
    optimizer = torch.optim.SGD(model.parameters(), lr=args.lr, momentum=0.9, nesterov=True)
    start_epoch = resume_checkpoint(model, optimizer, args)
    lr_scheduler = torch.optim.lr_scheduler.CosineAnnealingLR(optimizer, T_max=args.epochs)
    loader = DataLoader(TensorDataset(torch.randn(1024, 3, 32, 32), torch.randint(0, 100, (1024,))), batch_size=128, shuffle=True)
    loss_fn = nn.CrossEntropyLoss(label_smoothing=0.1)
    for epoch in range(start_epoch, args.epochs):
        loss = train_one_epoch(model, loader, optimizer, loss_fn)
        lr_scheduler.step()
        _logger.info(f"epoch {epoch} loss {loss:.4f} lr {optimizer.param_groups[0]['lr']:.5f}")
        torch.save({"epoch": epoch, "state_dict": model.state_dict(), "optimizer": optimizer.state_dict()},
                   os.path.join(args.output, "last.pth.tar"))


if __name__ == "__main__":
    main()
