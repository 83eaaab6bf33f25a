# expect: TVL004
# style: callback/hook runner (mini-framework), speech keyword spotting on synthetic MFCC frames
# bug: the ValidationCallback puts the model in eval() every N epochs and never switches it back; the Runner only calls model.train() once before the loop, so training after the first validation runs in eval mode (dropout/BN off).
import logging
from typing import List

import torch
import torch.nn as nn
import torch.nn.functional as F
from torch.utils.data import DataLoader, TensorDataset

log = logging.getLogger("kws")


def synthetic_mfcc(n, n_mfcc=40, frames=98, n_classes=12, seed=0):
    g = torch.Generator().manual_seed(seed)
    y = torch.randint(0, n_classes, (n,), generator=g)
    x = torch.randn(n, 1, n_mfcc, frames, generator=g)
    x[:, 0, :n_classes, :] += F.one_hot(y, n_classes).float().unsqueeze(-1) * 1.5
    return TensorDataset(x, y)


class KWSNet(nn.Module):
    def __init__(self, n_classes=12):
        super().__init__()
        self.net = nn.Sequential(
            nn.Conv2d(1, 32, (5, 3), padding=(2, 1)), nn.BatchNorm2d(32), nn.ReLU(), nn.MaxPool2d(2),
            nn.Conv2d(32, 64, 3, padding=1), nn.BatchNorm2d(64), nn.ReLU(), nn.MaxPool2d(2),
            nn.Conv2d(64, 64, 3, padding=1), nn.BatchNorm2d(64), nn.ReLU(),
            nn.AdaptiveAvgPool2d(1), nn.Flatten(), nn.Dropout(0.25), nn.Linear(64, n_classes),
        )

    def forward(self, x):
        return self.net(x)


class Callback:
    def on_train_start(self, runner): pass
    def on_epoch_end(self, runner): pass
    def on_train_end(self, runner): pass


class ValidationCallback(Callback):
    def __init__(self, loader, every=1):
        self.loader = loader
        self.every = every
        self.best = 0.0

    def on_epoch_end(self, runner):
        if (runner.epoch + 1) % self.every:
            return
        runner.model.eval()
        correct = total = 0
        with torch.no_grad():
            for x, y in self.loader:
                correct += (runner.model(x).argmax(-1) == y).sum().item()
                total += len(y)
        acc = correct / total
        runner.metrics["val_acc"] = acc
        if acc > self.best:
            self.best = acc
            torch.save(runner.model.state_dict(), "kws_best.pt")


class LoggerCallback(Callback):
    def on_epoch_end(self, runner):
        log.info("epoch %d %s", runner.epoch, {k: round(v, 4) for k, v in runner.metrics.items()})


class Runner:
    def __init__(self, model, optimizer, loader, callbacks: List[Callback], epochs):
        self.model, self.optimizer, self.loader = model, optimizer, loader
        self.callbacks = callbacks
        self.epochs = epochs
        self.epoch = 0
        self.metrics = {}

    def _emit(self, name):
        for cb in self.callbacks:
            getattr(cb, name)(self)

    def run(self):
        self.model.train()
        self._emit("on_train_start")
        for self.epoch in range(self.epochs):
            total = 0.0
            for x, y in self.loader:
                loss = F.cross_entropy(self.model(x), y)
                self.optimizer.zero_grad()
                loss.backward()
                self.optimizer.step()
                total += loss.item()
            self.metrics["train_loss"] = total / len(self.loader)
            self._emit("on_epoch_end")
        self._emit("on_train_end")


if __name__ == "__main__":
    logging.basicConfig(level=logging.INFO)
    train_loader = DataLoader(synthetic_mfcc(3000, seed=0), batch_size=64, shuffle=True)
    val_loader = DataLoader(synthetic_mfcc(600, seed=1), batch_size=128)
    model = KWSNet()
    opt = torch.optim.AdamW(model.parameters(), lr=1e-3, weight_decay=1e-2)
    Runner(model, opt, train_loader, [ValidationCallback(val_loader, every=2), LoggerCallback()], epochs=20).run()
