# expect: clean
# style: two schedulers (per-iteration warmup + per-epoch ReduceLROnPlateau) in an engine, traffic-sign recognition
# note: one scheduler is stepped every batch and another per epoch, which can look like an epoch scheduler stepped per batch; the per-batch one is a LinearLR warmup measured in iterations and both step after optimizer.step()
import logging

import torch
import torch.nn as nn
import torch.nn.functional as F
from torch.utils.data import DataLoader, TensorDataset

log = logging.getLogger("gtsrb")


class Engine:
    def __init__(self, model, optimizer, warmup_iters=500):
        self.model = model
        self.optimizer = optimizer
        self.warmup = torch.optim.lr_scheduler.LinearLR(optimizer, start_factor=0.05, total_iters=warmup_iters)
        self.plateau = torch.optim.lr_scheduler.ReduceLROnPlateau(optimizer, mode="max", factor=0.3, patience=2)
        self.iteration = 0
        self.warmup_iters = warmup_iters

    def train_epoch(self, loader):
        self.model.train()
        total = 0.0
        for x, y in loader:
            loss = F.cross_entropy(self.model(x), y)
            self.optimizer.zero_grad()
            loss.backward()
            self.optimizer.step()
            if self.iteration < self.warmup_iters:
                self.warmup.step()
            self.iteration += 1
            total += loss.item()
        return total / len(loader)

    @torch.no_grad()
    def evaluate(self, loader):
        self.model.eval()
        hits = n = 0
        for x, y in loader:
            hits += (self.model(x).argmax(1) == y).sum().item()
            n += len(y)
        return hits / n

    def run(self, train_loader, val_loader, epochs):
        for epoch in range(epochs):
            loss = self.train_epoch(train_loader)
            acc = self.evaluate(val_loader)
            if self.iteration >= self.warmup_iters:
                self.plateau.step(acc)
            log.info("epoch %d loss %.4f val acc %.4f lr %.2e", epoch, loss, acc, self.optimizer.param_groups[0]["lr"])


def stn_free_cnn(n_classes=43):
    return nn.Sequential(
        nn.Conv2d(3, 100, 5), nn.BatchNorm2d(100), nn.ReLU(), nn.MaxPool2d(2),
        nn.Conv2d(100, 150, 3), nn.BatchNorm2d(150), nn.ReLU(), nn.MaxPool2d(2),
        nn.Conv2d(150, 250, 3), nn.BatchNorm2d(250), nn.ReLU(), nn.MaxPool2d(2),
        nn.Flatten(), nn.Dropout(0.5), nn.Linear(250 * 2 * 2, 350), nn.ReLU(), nn.Linear(350, n_classes))


if __name__ == "__main__":
    logging.basicConfig(level=logging.INFO)
    x, y = torch.rand(6000, 3, 32, 32), torch.randint(0, 43, (6000,))
    train_loader = DataLoader(TensorDataset(x[:5000], y[:5000]), batch_size=64, shuffle=True)
    val_loader = DataLoader(TensorDataset(x[5000:], y[5000:]), batch_size=500)
    model = stn_free_cnn()
    opt = torch.optim.SGD(model.parameters(), lr=0.02, momentum=0.9, weight_decay=1e-4)
    Engine(model, opt).run(train_loader, val_loader, epochs=30)
