# expect: TVL001
# style: research-repo Trainer class, CIFAR-like image classification
# bug: the Trainer's _predict helper is decorated with @torch.no_grad() (meant for eval) and compute_loss reuses it for the training loss
import argparse
import logging
import time

import torch
import torch.nn as nn
import torch.nn.functional as F
from torch.utils.data import DataLoader, TensorDataset

logger = logging.getLogger("trainer")


class SmallResNet(nn.Module):
    def __init__(self, num_classes=10, width=32):
        super().__init__()
        self.stem = nn.Sequential(
            nn.Conv2d(3, width, 3, padding=1, bias=False),
            nn.BatchNorm2d(width),
            nn.ReLU(inplace=True),
        )
        self.block = nn.Sequential(
            nn.Conv2d(width, width * 2, 3, stride=2, padding=1, bias=False),
            nn.BatchNorm2d(width * 2),
            nn.ReLU(inplace=True),
            nn.Conv2d(width * 2, width * 2, 3, padding=1, bias=False),
            nn.BatchNorm2d(width * 2),
            nn.ReLU(inplace=True),
        )
        self.pool = nn.AdaptiveAvgPool2d(1)
        self.fc = nn.Linear(width * 2, num_classes)

    def forward(self, x):
        x = self.block(self.stem(x))
        return self.fc(self.pool(x).flatten(1))


class Trainer:
    def __init__(self, model, optimizer, device, log_every=50):
        self.model = model.to(device)
        self.optimizer = optimizer
        self.device = device
        self.log_every = log_every
        self.global_step = 0

    @torch.no_grad()
    def _predict(self, images):
        # shared by evaluate() and compute_loss()
        return self.model(images.to(self.device, non_blocking=True))

    def compute_loss(self, images, labels):
        logits = self._predict(images)
        loss = F.cross_entropy(logits, labels.to(self.device), label_smoothing=0.1)
        return loss, logits

    def train_epoch(self, loader, epoch):
        self.model.train()
        t0 = time.time()
        running, seen = 0.0, 0
        for images, labels in loader:
            self.optimizer.zero_grad(set_to_none=True)
            loss, _ = self.compute_loss(images, labels)
            loss.backward()
            self.optimizer.step()
            running += loss.item() * images.size(0)
            seen += images.size(0)
            self.global_step += 1
            if self.global_step % self.log_every == 0:
                logger.info("epoch %d step %d loss %.4f", epoch, self.global_step, running / seen)
        logger.info("epoch %d done in %.1fs", epoch, time.time() - t0)
        return running / max(seen, 1)

    def evaluate(self, loader):
        self.model.eval()
        correct, total = 0, 0
        for images, labels in loader:
            logits = self._predict(images)
            correct += (logits.argmax(1).cpu() == labels).sum().item()
            total += labels.numel()
        self.model.train()
        return correct / max(total, 1)


def synthetic_split(n, num_classes=10):
    x = torch.randn(n, 3, 32, 32)
    y = torch.randint(0, num_classes, (n,))
    return TensorDataset(x, y)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--epochs", type=int, default=5)
    parser.add_argument("--lr", type=float, default=0.05)
    parser.add_argument("--batch-size", type=int, default=128)
    parser.add_argument("--width", type=int, default=32)
    args = parser.parse_args()
    logging.basicConfig(level=logging.INFO)

    device = "cuda" if torch.cuda.is_available() else "cpu"
    model = SmallResNet(width=args.width)
    optimizer = torch.optim.SGD(model.parameters(), lr=args.lr, momentum=0.9, weight_decay=5e-4)
    trainer = Trainer(model, optimizer, device)

    train_loader = DataLoader(synthetic_split(4096), batch_size=args.batch_size, shuffle=True, drop_last=True)
    val_loader = DataLoader(synthetic_split(1024), batch_size=256)

    best = 0.0
    for epoch in range(args.epochs):
        train_loss = trainer.train_epoch(train_loader, epoch)
        acc = trainer.evaluate(val_loader)
        logger.info("epoch %d train_loss %.4f val_acc %.4f", epoch, train_loss, acc)
        if acc > best:
            best = acc
            torch.save(model.state_dict(), "best_resnet.pt")
    logger.info("best val acc %.4f", best)


if __name__ == "__main__":
    main()
