# expect: TVL001
# style: research repo with argparse, image classification Trainer class
# bug: training_step calls self.predict, which is decorated with @torch.no_grad() for evaluation, so only the manual L2 term reaches backward and the network never learns from the labels
import argparse
import logging
import os
import time

import torch
import torch.nn as nn
import torch.nn.functional as F
from torch.utils.data import DataLoader, TensorDataset

log = logging.getLogger("cls")


def parse_args():
    p = argparse.ArgumentParser()
    p.add_argument("--epochs", type=int, default=10)
    p.add_argument("--lr", type=float, default=3e-4)
    p.add_argument("--batch-size", type=int, default=64)
    p.add_argument("--l2", type=float, default=1e-5)
    p.add_argument("--out", default="runs/cls")
    return p.parse_args()


class SmallResNet(nn.Module):
    def __init__(self, num_classes=10):
        super().__init__()
        self.stem = nn.Sequential(nn.Conv2d(3, 32, 3, padding=1), nn.BatchNorm2d(32), nn.ReLU())
        self.block = nn.Sequential(
            nn.Conv2d(32, 64, 3, stride=2, padding=1), nn.BatchNorm2d(64), nn.ReLU(),
            nn.Conv2d(64, 64, 3, padding=1), nn.BatchNorm2d(64), nn.ReLU(),
        )
        self.pool = nn.AdaptiveAvgPool2d(1)
        self.fc = nn.Linear(64, num_classes)

    def forward(self, x):
        x = self.block(self.stem(x))
        return self.fc(self.pool(x).flatten(1))


class Trainer:
    def __init__(self, model, args, device):
        self.model = model.to(device)
        self.args = args
        self.device = device
        self.opt = torch.optim.AdamW(model.parameters(), lr=args.lr, weight_decay=0.0)

    @torch.no_grad()
    def predict(self, images):
        images = images.to(self.device, non_blocking=True)
        return self.model(images)

    def l2_penalty(self):
        return sum(p.pow(2).sum() for p in self.model.parameters() if p.ndim > 1)

    def training_step(self, images, labels):
        logits = self.predict(images)
        loss = F.cross_entropy(logits, labels.to(self.device))
        loss = loss + self.args.l2 * self.l2_penalty()
        self.opt.zero_grad(set_to_none=True)
        loss.backward()
        self.opt.step()
        return loss.item(), (logits.argmax(1).cpu() == labels).float().mean().item()

    def evaluate(self, loader):
        self.model.eval()
        correct = total = 0
        for images, labels in loader:
            pred = self.predict(images).argmax(1).cpu()
            correct += (pred == labels).sum().item()
            total += labels.numel()
        self.model.train()
        return correct / max(total, 1)

    def fit(self, train_loader, val_loader):
        best = 0.0
        for epoch in range(self.args.epochs):
            self.model.train()
            t0 = time.time()
            losses, accs = [], []
            for images, labels in train_loader:
                l, a = self.training_step(images, labels)
                losses.append(l)
                accs.append(a)
            val_acc = self.evaluate(val_loader)
            log.info("epoch %d loss %.4f train_acc %.3f val_acc %.3f (%.1fs)", epoch,
                     sum(losses) / len(losses), sum(accs) / len(accs), val_acc, time.time() - t0)
            if val_acc > best:
                best = val_acc
                torch.save(self.model.state_dict(), os.path.join(self.args.out, "best.pt"))
        return best


def main():
    args = parse_args()
    logging.basicConfig(level=logging.INFO)
    os.makedirs(args.out, exist_ok=True)
    device = torch.device("cuda" if torch.cuda.is_available() else "cpu")
    x = torch.randn(2048, 3, 32, 32)
    y = torch.randint(0, 10, (2048,))
    train_ds = TensorDataset(x[:1792], y[:1792])
    val_ds = TensorDataset(x[1792:], y[1792:])
    train_loader = DataLoader(train_ds, batch_size=args.batch_size, shuffle=True, num_workers=2, drop_last=True)
    val_loader = DataLoader(val_ds, batch_size=256, shuffle=False)
    trainer = Trainer(SmallResNet(), args, device)
    best = trainer.fit(train_loader, val_loader)
    log.info("best val acc %.4f", best)


if __name__ == "__main__":
    main()
