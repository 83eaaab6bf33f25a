# expect: TVL003
# style: mmcv-like runner with hooks, image classification
# bug: the GradLoggerHook's after_backward() zeroes gradients after logging them, and the runner calls it between backward() and optimizer.step(), so step() sees no gradients
import logging
from collections import defaultdict

import torch
import torch.nn as nn
import torch.nn.functional as F
from torch.utils.data import DataLoader, TensorDataset

logger = logging.getLogger("runner")


class Hook:
    priority = 50

    def before_run(self, runner):
        pass

    def before_epoch(self, runner):
        pass

    def after_backward(self, runner):
        pass

    def after_iter(self, runner):
        pass

    def after_epoch(self, runner):
        pass


class GradLoggerHook(Hook):
    """Records the global grad norm; frees grad memory once recorded."""

    def __init__(self, interval=20):
        self.interval = interval

    def after_backward(self, runner):
        if runner.iter % self.interval == 0:
            norms = [p.grad.detach().norm() for p in runner.model.parameters() if p.grad is not None]
            if norms:
                runner.log_buffer["grad_norm"].append(torch.stack(norms).norm().item())
        runner.optimizer.zero_grad(set_to_none=True)


class TextLoggerHook(Hook):
    def __init__(self, interval=20):
        self.interval = interval

    def after_iter(self, runner):
        if runner.iter % self.interval == 0:
            stats = {k: sum(v) / len(v) for k, v in runner.log_buffer.items() if v}
            logger.info("iter %d %s", runner.iter, stats)
            runner.log_buffer.clear()


class EvalHook(Hook):
    def __init__(self, loader):
        self.loader = loader

    def after_epoch(self, runner):
        runner.model.eval()
        hits, n = 0, 0
        with torch.no_grad():
            for x, y in self.loader:
                hits += (runner.model(x).argmax(1) == y).sum().item()
                n += len(y)
        logger.info("epoch %d top1 %.4f", runner.epoch, hits / n)


class EpochBasedRunner:
    def __init__(self, model, optimizer, max_epochs):
        self.model = model
        self.optimizer = optimizer
        self.max_epochs = max_epochs
        self.hooks = []
        self.epoch = 0
        self.iter = 0
        self.log_buffer = defaultdict(list)

    def register_hook(self, hook):
        self.hooks.append(hook)
        self.hooks.sort(key=lambda h: h.priority)

    def call_hook(self, name):
        for h in self.hooks:
            getattr(h, name)(self)

    def train_step(self, batch):
        x, y = batch
        logits = self.model(x)
        loss = F.cross_entropy(logits, y)
        self.log_buffer["loss"].append(loss.item())
        return loss

    def run(self, loader):
        self.call_hook("before_run")
        for self.epoch in range(self.max_epochs):
            self.model.train()
            self.call_hook("before_epoch")
            for batch in loader:
                self.optimizer.zero_grad()
                loss = self.train_step(batch)
                loss.backward()
                self.call_hook("after_backward")
                self.optimizer.step()
                self.iter += 1
                self.call_hook("after_iter")
            self.call_hook("after_epoch")


def build_model(num_classes=5):
    return nn.Sequential(
        nn.Conv2d(3, 16, 3, padding=1), nn.BatchNorm2d(16), nn.ReLU(), nn.MaxPool2d(2),
        nn.Conv2d(16, 32, 3, padding=1), nn.BatchNorm2d(32), nn.ReLU(), nn.AdaptiveAvgPool2d(1),
        nn.Flatten(), nn.Dropout(0.2), nn.Linear(32, num_classes),
    )


def main():
    logging.basicConfig(level=logging.INFO)
    x = torch.randn(3000, 3, 32, 32)
    y = torch.randint(0, 5, (3000,))
    train = DataLoader(TensorDataset(x[:2500], y[:2500]), batch_size=64, shuffle=True)
    val = DataLoader(TensorDataset(x[2500:], y[2500:]), batch_size=128)
    model = build_model()
    opt = torch.optim.SGD(model.parameters(), lr=0.1, momentum=0.9, nesterov=True)
    runner = EpochBasedRunner(model, opt, max_epochs=8)
    for h in (GradLoggerHook(), TextLoggerHook(), EvalHook(val)):
        runner.register_hook(h)
    runner.run(train)
    torch.save(model.state_dict(), "runner_model.pth")


if __name__ == "__main__":
    main()
