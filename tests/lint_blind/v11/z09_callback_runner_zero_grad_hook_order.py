# expect: TVL003
# style: callback/hook runner (mmcv-like) where an OptimizerHook does backward/step
# bug: the runner calls `before_step` hooks (which zero gradients) after `after_backward`, i.e. zero_grad lands between backward() and step()
import torch
import torch.nn as nn
import torch.nn.functional as F
from torch.utils.data import DataLoader, TensorDataset


class Hook:
    def before_epoch(self, runner): pass
    def after_backward(self, runner): pass
    def before_step(self, runner): pass
    def after_iter(self, runner): pass


class GradClipHook(Hook):
    def __init__(self, max_norm):
        self.max_norm = max_norm

    def after_backward(self, runner):
        runner.grad_norm = float(nn.utils.clip_grad_norm_(runner.model.parameters(), self.max_norm))


class ZeroGradHook(Hook):
    def before_step(self, runner):
        runner.optimizer.zero_grad()


class LoggerHook(Hook):
    def __init__(self, every=20):
        self.every = every

    def after_iter(self, runner):
        if runner.iter % self.every == 0:
            print(f"iter {runner.iter} loss {runner.loss:.4f} gnorm {runner.grad_norm:.3f}")


class Runner:
    def __init__(self, model, optimizer, loader, hooks):
        self.model, self.optimizer, self.loader = model, optimizer, loader
        self.hooks = hooks
        self.iter, self.loss, self.grad_norm = 0, 0.0, 0.0

    def call(self, name):
        for h in self.hooks:
            getattr(h, name)(self)

    def run_iter(self, x, y):
        loss = F.cross_entropy(self.model(x), y)
        loss.backward()
        self.call("after_backward")
        self.call("before_step")
        self.optimizer.step()
        self.loss = loss.item()
        self.iter += 1
        self.call("after_iter")

    def run(self, epochs):
        for _ in range(epochs):
            self.model.train()
            self.call("before_epoch")
            for x, y in self.loader:
                self.run_iter(x, y)


if __name__ == "__main__":
    model = nn.Sequential(nn.Conv2d(1, 8, 3), nn.ReLU(), nn.AdaptiveAvgPool2d(1), nn.Flatten(), nn.Linear(8, 10))
    ds = TensorDataset(torch.randn(512, 1, 28, 28), torch.randint(0, 10, (512,)))
    runner = Runner(model, torch.optim.SGD(model.parameters(), lr=0.05, momentum=0.9),
                    DataLoader(ds, batch_size=32, shuffle=True),
                    [GradClipHook(5.0), ZeroGradHook(), LoggerHook()])
    runner.run(3)
