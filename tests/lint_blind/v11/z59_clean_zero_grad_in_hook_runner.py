# expect: clean
# style: hook-based runner (mmengine-like) where zero_grad lives in a `before_train_iter` hook
# note: the training loop body has backward() and step() with no visible zero_grad, but the runner's `before_train_iter` hook clears gradients before every forward
import torch
import torch.nn as nn
import torch.nn.functional as F
from torch.utils.data import DataLoader, TensorDataset


class Hook:
    priority = 50

    def before_train_iter(self, runner): pass
    def after_train_iter(self, runner): pass
    def after_train_epoch(self, runner): pass


class OptimWrapperHook(Hook):
    priority = 0

    def before_train_iter(self, runner):
        runner.optimizer.zero_grad(set_to_none=True)


class TextLoggerHook(Hook):
    priority = 90

    def __init__(self, interval=10):
        self.interval = interval

    def after_train_iter(self, runner):
        if runner.iter % self.interval == 0:
            print(f"Iter [{runner.iter}] loss: {runner.outputs['loss']:.4f}")


class CheckpointHook(Hook):
    def after_train_epoch(self, runner):
        torch.save(runner.model.state_dict(), f"epoch_{runner.epoch}.pth")


class Runner:
    def __init__(self, model, optimizer, loader, max_epochs):
        self.model, self.optimizer, self.loader = model, optimizer, loader
        self.max_epochs = max_epochs
        self.hooks = []
        self.iter = self.epoch = 0
        self.outputs = {}

    def register_hook(self, hook):
        self.hooks.append(hook)
        self.hooks.sort(key=lambda h: h.priority)

    def call_hook(self, fn):
        for h in self.hooks:
            getattr(h, fn)(self)

    def train(self):
        for self.epoch in range(self.max_epochs):
            self.model.train()
            for x, y in self.loader:
                self.call_hook("before_train_iter")
                loss = F.cross_entropy(self.model(x), y)
                loss.backward()
                self.optimizer.step()
                self.outputs = {"loss": loss.item()}
                self.iter += 1
                self.call_hook("after_train_iter")
            self.call_hook("after_train_epoch")


def build_runner():
    model = nn.Sequential(nn.Conv1d(12, 32, 7, padding=3), nn.ReLU(), nn.AdaptiveMaxPool1d(1), nn.Flatten(), nn.Linear(32, 5))
    ds = TensorDataset(torch.randn(1200, 12, 500), torch.randint(0, 5, (1200,)))
    runner = Runner(model, torch.optim.Adam(model.parameters(), lr=1e-3),
                    DataLoader(ds, batch_size=32, shuffle=True), max_epochs=4)
    for h in (TextLoggerHook(), OptimWrapperHook(), CheckpointHook()):
        runner.register_hook(h)
    return runner


if __name__ == "__main__":
    # 12-lead ECG rhythm classification on synthetic signals
    build_runner().train()
