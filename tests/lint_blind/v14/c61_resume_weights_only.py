# expect: clean
# style: argparse training script with --resume, fine-grained bird classification (bilinear CNN)
# note: torch.load is called on a path from the command line, but with weights_only=True, and the optimizer/epoch are restored from plain tensors and ints
import argparse
import logging
import os

import torch
import torch.nn as nn
import torch.nn.functional as F
from torch.utils.data import DataLoader, TensorDataset

logger = logging.getLogger("birds")


def get_args():
    p = argparse.ArgumentParser()
    p.add_argument("--resume", default=None, help="checkpoint produced by this script")
    p.add_argument("--epochs", type=int, default=50)
    p.add_argument("--lr", type=float, default=0.01)
    p.add_argument("--ckpt-dir", default="ckpt")
    return p.parse_args()


class BilinearCNN(nn.Module):
    def __init__(self, n_classes=200):
        super().__init__()
        self.features = nn.Sequential(
            nn.Conv2d(3, 64, 3, padding=1), nn.BatchNorm2d(64), nn.ReLU(), nn.MaxPool2d(2),
            nn.Conv2d(64, 128, 3, padding=1), nn.BatchNorm2d(128), nn.ReLU(), nn.MaxPool2d(2),
            nn.Conv2d(128, 128, 3, padding=1), nn.BatchNorm2d(128), nn.ReLU())
        self.fc = nn.Linear(128 * 128, n_classes)

    def forward(self, x):
        f = self.features(x).flatten(2)                      # (B, C, HW)
        bil = torch.bmm(f, f.transpose(1, 2)) / f.size(2)    # (B, C, C)
        bil = torch.sign(bil) * torch.sqrt(bil.abs() + 1e-10)
        return self.fc(F.normalize(bil.flatten(1), dim=1))


def save_checkpoint(path, model, optimizer, scheduler, epoch, best_acc):
    torch.save({"model": model.state_dict(), "optimizer": optimizer.state_dict(),
                "scheduler": scheduler.state_dict(), "epoch": epoch, "best_acc": best_acc}, path)


def main():
    args = get_args()
    logging.basicConfig(level=logging.INFO)
    os.makedirs(args.ckpt_dir, exist_ok=True)
    model = BilinearCNN()
    optimizer = torch.optim.SGD(model.parameters(), lr=args.lr, momentum=0.9, weight_decay=1e-5)
    scheduler = torch.optim.lr_scheduler.CosineAnnealingLR(optimizer, T_max=args.epochs)
    start_epoch, best_acc = 0, 0.0
    if args.resume:
        ckpt = torch.load(args.resume, map_location="cpu", weights_only=True)
        model.load_state_dict(ckpt["model"])
        optimizer.load_state_dict(ckpt["optimizer"])
        scheduler.load_state_dict(ckpt["scheduler"])
        start_epoch, best_acc = ckpt["epoch"] + 1, ckpt["best_acc"]
        logger.info("resumed at epoch %d (best %.4f)", start_epoch, best_acc)

    x, y = torch.randn(2400, 3, 56, 56), torch.randint(0, 200, (2400,))
    train_loader = DataLoader(TensorDataset(x[:2000], y[:2000]), batch_size=32, shuffle=True)
    test_loader = DataLoader(TensorDataset(x[2000:], y[2000:]), batch_size=100)

    for epoch in range(start_epoch, args.epochs):
        model.train()
        for xb, yb in train_loader:
            loss = F.cross_entropy(model(xb), yb)
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
        scheduler.step()
        model.eval()
        with torch.no_grad():
            acc = sum((model(xb).argmax(1) == yb).sum().item() for xb, yb in test_loader) / 400
        logger.info("epoch %d last loss %.4f test acc %.4f", epoch, loss.item(), acc)
        save_checkpoint(os.path.join(args.ckpt_dir, "last.pt"), model, optimizer, scheduler, epoch, max(acc, best_acc))
        if acc > best_acc:
            best_acc = acc
            torch.save(model.state_dict(), os.path.join(args.ckpt_dir, "best_weights.pt"))


if __name__ == "__main__":
    main()
