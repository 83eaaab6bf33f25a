# expect: TVL004
# style: image classification Trainer class; train() only called once in __init__, validate() switches to eval
# bug: `validate` calls model.eval() each epoch and nothing ever switches back to train mode, so dropout/BN run in eval mode from epoch 2 on
import logging
import os

import torch
import torch.nn as nn
import torch.nn.functional as F
from torch.utils.data import DataLoader, TensorDataset

logger = logging.getLogger(__name__)


def build_cnn(n_cls=10):
    return nn.Sequential(
        nn.Conv2d(3, 32, 3, padding=1), nn.BatchNorm2d(32), nn.ReLU(), nn.MaxPool2d(2),
        nn.Conv2d(32, 64, 3, padding=1), nn.BatchNorm2d(64), nn.ReLU(), nn.MaxPool2d(2),
        nn.Flatten(), nn.Dropout(0.3), nn.Linear(64 * 8 * 8, n_cls),
    )


class Trainer:
    def __init__(self, model, train_loader, val_loader, lr=1e-3, out_dir="ckpt"):
        self.model = model
        self.model.train()
        self.train_loader, self.val_loader = train_loader, val_loader
        self.opt = torch.optim.Adam(model.parameters(), lr=lr)
        self.out_dir = out_dir
        self.best_acc = 0.0

    def train_one_epoch(self, epoch):
        total = 0.0
        for x, y in self.train_loader:
            self.opt.zero_grad()
            loss = F.cross_entropy(self.model(x), y)
            loss.backward()
            self.opt.step()
            total += loss.item()
        logger.info("epoch %d train loss %.4f", epoch, total / len(self.train_loader))

    @torch.no_grad()
    def validate(self, epoch):
        self.model.eval()
        correct = n = 0
        for x, y in self.val_loader:
            correct += (self.model(x).argmax(1) == y).sum().item()
            n += y.numel()
        acc = correct / n
        logger.info("epoch %d val acc %.4f", epoch, acc)
        return acc

    def save(self, name):
        os.makedirs(self.out_dir, exist_ok=True)
        torch.save(self.model.state_dict(), os.path.join(self.out_dir, name))

    def fit(self, epochs):
        for epoch in range(epochs):
            self.train_one_epoch(epoch)
            acc = self.validate(epoch)
            if acc > self.best_acc:
                self.best_acc = acc
                self.save("best.pt")


if __name__ == "__main__":
    logging.basicConfig(level=logging.INFO)
    xs, ys = torch.randn(800, 3, 32, 32), torch.randint(0, 10, (800,))
    tr = DataLoader(TensorDataset(xs[:640], ys[:640]), batch_size=64, shuffle=True)
    va = DataLoader(TensorDataset(xs[640:], ys[640:]), batch_size=128)
    Trainer(build_cnn(), tr, va).fit(10)
