# expect: clean
# style: mmcv-like hook runner for image classification where the optimizer hook zeroes grads before backward
# note: the OptimizerHook does zero_grad, backward and step in the right order inside after_train_iter; the runner itself never touches gradients.
import logging

import torch
import torch.nn as nn
import torch.nn.functional as F
from torch.utils.data import DataLoader, TensorDataset

logger = logging.getLogger("runner")


class Hook:
    def before_train_epoch(self, runner): pass
    def after_train_iter(self, runner): pass
    def after_train_epoch(self, runner): pass


class OptimizerHook(Hook):
    def __init__(self, grad_clip=None):
        self.grad_clip = grad_clip

    def after_train_iter(self, runner):
        runner.optimizer.zero_grad()
        runner.outputs["loss"].backward()
        if self.grad_clip:
            nn.utils.clip_grad_norm_(runner.model.parameters(), **self.grad_clip)
        runner.optimizer.step()


class TextLoggerHook(Hook):
    def __init__(self, interval=20):
        self.interval = interval

    def after_train_iter(self, runner):
        if runner.iter % self.interval == 0:
            logger.info("epoch %d iter %d loss %.4f", runner.epoch, runner.iter, runner.outputs["log_vars"]["loss"])


class EpochBasedRunner:
    def __init__(self, model, optimizer):
        self.model, self.optimizer = model, optimizer
        self.hooks = []
        self.epoch = self.iter = 0
        self.outputs = {}

    def register_hook(self, hook):
        self.hooks.append(hook)

    def call_hook(self, name):
        for h in self.hooks:
            getattr(h, name)(self)

    def train_step(self, batch):
        x, y = batch
        loss = F.cross_entropy(self.model(x), y)
        return {"loss": loss, "log_vars": {"loss": loss.item()}}

    def run(self, loader, max_epochs):
        for self.epoch in range(max_epochs):
            self.model.train()
            self.call_hook("before_train_epoch")
            for batch in loader:
                self.outputs = self.train_step(batch)
                self.call_hook("after_train_iter")
                self.iter += 1
            self.call_hook("after_train_epoch")


def build_model(num_classes=100):
    return nn.Sequential(
        nn.Conv2d(3, 64, 3, 1, 1), nn.BatchNorm2d(64), nn.ReLU(), nn.MaxPool2d(2),
        nn.Conv2d(64, 128, 3, 1, 1), nn.BatchNorm2d(128), nn.ReLU(), nn.MaxPool2d(2),
        nn.Conv2d(128, 256, 3, 1, 1), nn.BatchNorm2d(256), nn.ReLU(), nn.AdaptiveAvgPool2d(1),
        nn.Flatten(), nn.Linear(256, num_classes),
    )


if __name__ == "__main__":
    logging.basicConfig(level=logging.INFO)
    model = build_model()
    optimizer = torch.optim.SGD(model.parameters(), lr=0.1, momentum=0.9, weight_decay=5e-4)
    runner = EpochBasedRunner(model, optimizer)
    runner.register_hook(OptimizerHook(grad_clip={"max_norm": 20.0}))
    runner.register_hook(TextLoggerHook(20))
    data = TensorDataset(torch.randn(2000, 3, 32, 32), torch.randint(0, 100, (2000,)))
    runner.run(DataLoader(data, batch_size=64, shuffle=True), max_epochs=5)
