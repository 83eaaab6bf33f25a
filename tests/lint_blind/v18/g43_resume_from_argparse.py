# expect: TVL014
# style: research training script with --resume, ResNet-like classifier, checkpoint dicts
# bug: --resume is a user-supplied path passed straight to torch.load() without weights_only=True (full pickle load of an arbitrary file).
import argparse
import logging
import os
import shutil

import torch
import torch.nn as nn
import torch.nn.functional as F
from torch.utils.data import DataLoader, TensorDataset

logging.basicConfig(level=logging.INFO, format="[%(asctime)s] %(message)s")
logger = logging.getLogger()


def get_args():
    p = argparse.ArgumentParser(description="Train a small classifier")
    p.add_argument("--epochs", type=int, default=30)
    p.add_argument("--lr", type=float, default=0.05)
    p.add_argument("--batch-size", type=int, default=128)
    p.add_argument("--resume", type=str, default="", help="path to latest checkpoint")
    p.add_argument("--save-dir", type=str, default="./ckpt")
    return p.parse_args()


class WideBlock(nn.Module):
    def __init__(self, c_in, c_out, stride):
        super().__init__()
        self.bn1 = nn.BatchNorm2d(c_in)
        self.conv1 = nn.Conv2d(c_in, c_out, 3, stride, 1, bias=False)
        self.bn2 = nn.BatchNorm2d(c_out)
        self.conv2 = nn.Conv2d(c_out, c_out, 3, 1, 1, bias=False)
        self.skip = None if (c_in == c_out and stride == 1) else nn.Conv2d(c_in, c_out, 1, stride, bias=False)

    def forward(self, x):
        o = F.relu(self.bn1(x))
        y = self.conv1(o)
        y = self.conv2(F.relu(self.bn2(y)))
        return y + (x if self.skip is None else self.skip(o))


class WRN(nn.Module):
    def __init__(self, k=2, n_classes=10):
        super().__init__()
        self.conv = nn.Conv2d(3, 16, 3, 1, 1, bias=False)
        self.blocks = nn.Sequential(WideBlock(16, 16 * k, 1), WideBlock(16 * k, 32 * k, 2), WideBlock(32 * k, 64 * k, 2))
        self.bn = nn.BatchNorm2d(64 * k)
        self.fc = nn.Linear(64 * k, n_classes)

    def forward(self, x):
        x = F.relu(self.bn(self.blocks(self.conv(x))))
        return self.fc(F.adaptive_avg_pool2d(x, 1).flatten(1))


def save_checkpoint(state, is_best, save_dir):
    path = os.path.join(save_dir, "checkpoint.pth.tar")
    torch.save(state, path)
    if is_best:
        shutil.copyfile(path, os.path.join(save_dir, "model_best.pth.tar"))


def main():
    args = get_args()
    os.makedirs(args.save_dir, exist_ok=True)
    g = torch.Generator().manual_seed(0)
    y = torch.randint(0, 10, (6000,), generator=g)
    x = torch.randn(6000, 3, 32, 32, generator=g) + y.view(-1, 1, 1, 1) * 0.05
    train_loader = DataLoader(TensorDataset(x[:5000], y[:5000]), batch_size=args.batch_size, shuffle=True)
    val_loader = DataLoader(TensorDataset(x[5000:], y[5000:]), batch_size=256)

    model = WRN()
    optimizer = torch.optim.SGD(model.parameters(), lr=args.lr, momentum=0.9, weight_decay=5e-4)
    scheduler = torch.optim.lr_scheduler.MultiStepLR(optimizer, milestones=[15, 25], gamma=0.2)
    start_epoch, best_acc1 = 0, 0.0

    if args.resume:
        if os.path.isfile(args.resume):
            logger.info("=> loading checkpoint '%s'", args.resume)
            checkpoint = torch.load(args.resume, map_location="cpu")
            start_epoch = checkpoint["epoch"]
            best_acc1 = checkpoint["best_acc1"]
            model.load_state_dict(checkpoint["state_dict"])
            optimizer.load_state_dict(checkpoint["optimizer"])
            scheduler.load_state_dict(checkpoint["scheduler"])
            logger.info("=> loaded checkpoint (epoch %d)", start_epoch)
        else:
            logger.info("=> no checkpoint found at '%s'", args.resume)

    for epoch in range(start_epoch, args.epochs):
        model.train()
        for images, target in train_loader:
            loss = F.cross_entropy(model(images), target)
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
        scheduler.step()

        model.eval()
        correct = 0
        with torch.no_grad():
            for images, target in val_loader:
                correct += (model(images).argmax(1) == target).sum().item()
        acc1 = 100.0 * correct / len(val_loader.dataset)
        is_best = acc1 > best_acc1
        best_acc1 = max(acc1, best_acc1)
        logger.info("epoch %d acc@1 %.2f best %.2f", epoch, acc1, best_acc1)
        save_checkpoint({"epoch": epoch + 1, "state_dict": model.state_dict(), "best_acc1": best_acc1,
                         "optimizer": optimizer.state_dict(), "scheduler": scheduler.state_dict()},
                        is_best, args.save_dir)


if __name__ == "__main__":
    main()
