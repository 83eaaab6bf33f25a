# expect: TVL001
# style: research repo, vision CNN classifier (CIFAR-like), Trainer class with a shared predict helper
# bug: Trainer.predict is decorated with @torch.no_grad() for inference, but train_step also calls it to get the logits that feed the backpropagated loss
import argparse
import logging
import time

import torch
import torch.nn as nn
import torch.nn.functional as F
from torch.utils.data import DataLoader, TensorDataset

logger = logging.getLogger("cls")


class SmallResNet(nn.Module):
    def __init__(self, num_classes=10, width=32):
        super().__init__()
        self.stem = nn.Sequential(nn.Conv2d(3, width, 3, padding=1), nn.BatchNorm2d(width), nn.ReLU())
        self.block1 = self._block(width, width * 2)
        self.block2 = self._block(width * 2, width * 4)
        self.pool = nn.AdaptiveAvgPool2d(1)
        self.fc = nn.Linear(width * 4, num_classes)

    @staticmethod
    def _block(cin, cout):
        return nn.Sequential(
            nn.Conv2d(cin, cout, 3, stride=2, padding=1), nn.BatchNorm2d(cout), nn.ReLU(),
            nn.Conv2d(cout, cout, 3, padding=1), nn.BatchNorm2d(cout), nn.ReLU(),
        )

    def forward(self, x):
        x = self.block2(self.block1(self.stem(x)))
        return self.fc(self.pool(x).flatten(1))


class Trainer:
    def __init__(self, model, optimizer, device, log_every=50):
        self.model = model
        self.optimizer = optimizer
        self.device = device
        self.log_every = log_every
        self.global_step = 0

    @torch.no_grad()
    def predict(self, images):
        images = images.to(self.device, non_blocking=True)
        return self.model(images)

    def train_step(self, images, labels):
        logits = self.predict(images)
        loss = F.cross_entropy(logits, labels.to(self.device), label_smoothing=0.1)
        self.optimizer.zero_grad(set_to_none=True)
        loss.backward()
        self.optimizer.step()
        self.global_step += 1
        return loss.item()

    def train_epoch(self, loader, epoch):
        self.model.train()
        running, n = 0.0, 0
        t0 = time.time()
        for i, (x, y) in enumerate(loader):
            running += self.train_step(x, y)
            n += 1
            if i % self.log_every == 0:
                logger.info("epoch %d it %d loss %.4f (%.1fs)", epoch, i, running / n, time.time() - t0)
        return running / max(n, 1)

    def evaluate(self, loader):
        self.model.eval()
        correct = total = 0
        for x, y in loader:
            logits = self.predict(x)
            correct += (logits.argmax(1).cpu() == y).sum().item()
            total += y.numel()
        self.model.train()
        return correct / max(total, 1)


def make_data(n, num_classes):
    x = torch.randn(n, 3, 32, 32)
    y = torch.randint(0, num_classes, (n,))
    return TensorDataset(x, y)


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--epochs", type=int, default=5)
    p.add_argument("--lr", type=float, default=0.05)
    p.add_argument("--batch-size", type=int, default=128)
    p.add_argument("--num-classes", type=int, default=10)
    args = p.parse_args()
    logging.basicConfig(level=logging.INFO)

    device = torch.device("cuda" if torch.cuda.is_available() else "cpu")
    model = SmallResNet(args.num_classes).to(device)
    opt = torch.optim.SGD(model.parameters(), lr=args.lr, momentum=0.9, weight_decay=5e-4)

    train_loader = DataLoader(make_data(4096, args.num_classes), batch_size=args.batch_size, shuffle=True, drop_last=True)
    val_loader = DataLoader(make_data(1024, args.num_classes), batch_size=256, shuffle=False)

    trainer = Trainer(model, opt, device)
    best = 0.0
    for epoch in range(args.epochs):
        tr_loss = trainer.train_epoch(train_loader, epoch)
        acc = trainer.evaluate(val_loader)
        logger.info("epoch %d train_loss %.4f val_acc %.4f", epoch, tr_loss, acc)
        if acc > best:
            best = acc
            torch.save({"model": model.state_dict(), "epoch": epoch}, "best.pt")


if __name__ == "__main__":
    main()
