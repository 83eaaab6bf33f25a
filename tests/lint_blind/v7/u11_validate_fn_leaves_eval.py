# expect: TVL004
# style: research repo with argparse and train_one_epoch/validate helpers, speech command classification
# bug: validate() switches the model to eval() and never restores train mode; model.train() is called only once before the epoch loop, so from epoch 2 dropout/BatchNorm run in eval mode during training.
import argparse
import logging
import os

import torch
import torch.nn as nn
import torch.nn.functional as F
from torch.utils.data import DataLoader, Dataset

log = logging.getLogger("kws")


class FakeSpeechCommands(Dataset):
    def __init__(self, n, n_mels=40, frames=101, n_classes=12):
        self.x = torch.randn(n, 1, n_mels, frames)
        self.y = torch.randint(0, n_classes, (n,))

    def __len__(self):
        return len(self.y)

    def __getitem__(self, i):
        return self.x[i], self.y[i]


class KWSNet(nn.Module):
    def __init__(self, n_classes=12):
        super().__init__()
        self.conv = nn.Sequential(
            nn.Conv2d(1, 32, 3, padding=1), nn.BatchNorm2d(32), nn.ReLU(), nn.MaxPool2d(2),
            nn.Conv2d(32, 64, 3, padding=1), nn.BatchNorm2d(64), nn.ReLU(), nn.MaxPool2d(2),
            nn.Conv2d(64, 64, 3, padding=1), nn.BatchNorm2d(64), nn.ReLU(),
        )
        self.drop = nn.Dropout(0.3)
        self.fc = nn.Linear(64, n_classes)

    def forward(self, x):
        x = self.conv(x).mean(dim=(2, 3))
        return self.fc(self.drop(x))


def train_one_epoch(model, loader, optimizer, device, epoch):
    total, n = 0.0, 0
    for step, (x, y) in enumerate(loader):
        x, y = x.to(device), y.to(device)
        loss = F.cross_entropy(model(x), y)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        total += loss.item() * y.size(0)
        n += y.size(0)
        if step % 50 == 0:
            log.info("epoch %d step %d loss %.4f", epoch, step, loss.item())
    return total / n


@torch.no_grad()
def validate(model, loader, device):
    model.eval()
    correct = n = 0
    for x, y in loader:
        pred = model(x.to(device)).argmax(-1).cpu()
        correct += (pred == y).sum().item()
        n += y.size(0)
    return correct / n


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--epochs", type=int, default=30)
    ap.add_argument("--lr", type=float, default=1e-3)
    ap.add_argument("--batch-size", type=int, default=128)
    ap.add_argument("--save-dir", default="checkpoints/kws")
    args = ap.parse_args()
    logging.basicConfig(level=logging.INFO)
    device = "cuda" if torch.cuda.is_available() else "cpu"

    train_loader = DataLoader(FakeSpeechCommands(6000), batch_size=args.batch_size, shuffle=True, num_workers=4)
    val_loader = DataLoader(FakeSpeechCommands(1000), batch_size=256, num_workers=4)
    model = KWSNet().to(device)
    optimizer = torch.optim.AdamW(model.parameters(), lr=args.lr, weight_decay=1e-2)
    scheduler = torch.optim.lr_scheduler.CosineAnnealingLR(optimizer, T_max=args.epochs)
    os.makedirs(args.save_dir, exist_ok=True)

    best = 0.0
    model.train()
    for epoch in range(args.epochs):
        tr_loss = train_one_epoch(model, train_loader, optimizer, device, epoch)
        acc = validate(model, val_loader, device)
        scheduler.step()
        log.info("epoch %d train_loss %.4f val_acc %.4f", epoch, tr_loss, acc)
        if acc > best:
            best = acc
            torch.save(model.state_dict(), os.path.join(args.save_dir, "best.pt"))
    log.info("best val acc %.4f", best)


if __name__ == "__main__":
    main()
