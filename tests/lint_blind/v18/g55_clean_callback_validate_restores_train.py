# expect: clean
# style: callback/hook runner, speech command classifier on synthetic MFCCs, validation in a callback
# note: the validation callback calls model.eval() inside the epoch loop, which looks like TVL004, but it restores the previous mode with model.train(was_training) before returning, and the runner also calls model.train() at each epoch start.
import logging

import torch
import torch.nn as nn
import torch.nn.functional as F
from torch.utils.data import DataLoader, TensorDataset

log = logging.getLogger("runner")


def mfcc_set(n, seed, n_classes=8):
    g = torch.Generator().manual_seed(seed)
    y = torch.randint(0, n_classes, (n,), generator=g)
    x = torch.randn(n, 40, 100, generator=g) * 0.7
    x[torch.arange(n), y * 4] += 2.0
    return TensorDataset(x, y)


class DSCNN(nn.Module):
    def __init__(self, n_classes=8):
        super().__init__()
        self.net = nn.Sequential(
            nn.Conv1d(40, 64, 5, padding=2), nn.BatchNorm1d(64), nn.ReLU(),
            nn.Conv1d(64, 64, 3, padding=1, groups=64), nn.Conv1d(64, 96, 1), nn.BatchNorm1d(96), nn.ReLU(),
            nn.Dropout(0.2), nn.AdaptiveAvgPool1d(1), nn.Flatten(), nn.Linear(96, n_classes),
        )

    def forward(self, x):
        return self.net(x)


class Hook:
    priority = 50
    def before_epoch(self, runner): pass
    def after_epoch(self, runner): pass


class EvalHook(Hook):
    priority = 10

    def __init__(self, loader, interval=1):
        self.loader, self.interval = loader, interval
        self.best = 0.0

    def after_epoch(self, runner):
        if (runner.epoch + 1) % self.interval:
            return
        was_training = runner.model.training
        runner.model.eval()
        correct = 0
        with torch.no_grad():
            for x, y in self.loader:
                correct += (runner.model(x).argmax(-1) == y).sum().item()
        runner.model.train(was_training)
        acc = correct / len(self.loader.dataset)
        runner.log_buffer["val_acc"] = acc
        if acc > self.best:
            self.best = acc
            torch.save(runner.model.state_dict(), "dscnn_best.pt")


class LoggerHook(Hook):
    priority = 90

    def after_epoch(self, runner):
        log.info("epoch %d %s", runner.epoch, runner.log_buffer)
        runner.log_buffer = {}


class Runner:
    def __init__(self, model, optimizer, hooks):
        self.model, self.optimizer = model, optimizer
        self.hooks = sorted(hooks, key=lambda h: h.priority)
        self.epoch, self.log_buffer = 0, {}

    def call(self, name):
        for h in self.hooks:
            getattr(h, name)(self)

    def run(self, loader, epochs):
        for self.epoch in range(epochs):
            self.model.train()
            self.call("before_epoch")
            tot = 0.0
            for x, y in loader:
                loss = F.cross_entropy(self.model(x), y)
                self.optimizer.zero_grad()
                loss.backward()
                self.optimizer.step()
                tot += loss.item()
            self.log_buffer["loss"] = round(tot / len(loader), 4)
            self.call("after_epoch")


if __name__ == "__main__":
    logging.basicConfig(level=logging.INFO)
    train_dl = DataLoader(mfcc_set(4000, 0), batch_size=64, shuffle=True)
    val_dl = DataLoader(mfcc_set(800, 1), batch_size=256)
    model = DSCNN()
    opt = torch.optim.Adam(model.parameters(), lr=2e-3)
    Runner(model, opt, [EvalHook(val_dl, interval=2), LoggerHook()]).run(train_dl, 12)
