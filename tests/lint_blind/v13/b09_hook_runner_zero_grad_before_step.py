# expect: TVL003
# style: mmcv-like runner with optimizer hooks, gradient accumulation, point-cloud classifier
# bug: the runner calls hooks "after_backward" (where GradResetHook zero_grads) before "before_step"/optimizer.step(), so the gradients are wiped before each update
import logging
from collections import defaultdict

import torch
import torch.nn as nn
import torch.nn.functional as F
from torch.utils.data import DataLoader, TensorDataset

logger = logging.getLogger("runner")


class Hook:
    priority = 50

    def before_epoch(self, runner): pass
    def after_backward(self, runner): pass
    def before_step(self, runner): pass
    def after_step(self, runner): pass
    def after_epoch(self, runner): pass


class GradClipHook(Hook):
    priority = 10

    def __init__(self, max_norm):
        self.max_norm = max_norm

    def before_step(self, runner):
        runner.outputs["grad_norm"] = nn.utils.clip_grad_norm_(runner.model.parameters(), self.max_norm).item()


class GradResetHook(Hook):
    """Clears gradients once per optimisation step."""
    priority = 20

    def after_backward(self, runner):
        if runner.is_update_iter():
            runner.optimizer.zero_grad(set_to_none=True)


class LoggerHook(Hook):
    priority = 90

    def __init__(self, interval=10):
        self.interval = interval

    def after_step(self, runner):
        if runner.iter % self.interval == 0:
            logger.info("iter %d loss %.4f gn %.3f", runner.iter, runner.outputs["loss"],
                        runner.outputs.get("grad_norm", float("nan")))


class PointNetLite(nn.Module):
    def __init__(self, n_cls=16):
        super().__init__()
        self.mlp = nn.Sequential(nn.Conv1d(3, 64, 1), nn.BatchNorm1d(64), nn.ReLU(),
                                 nn.Conv1d(64, 256, 1), nn.BatchNorm1d(256), nn.ReLU())
        self.head = nn.Sequential(nn.Linear(256, 128), nn.ReLU(), nn.Dropout(0.3), nn.Linear(128, n_cls))

    def forward(self, pts):  # pts: (B, 3, N)
        return self.head(self.mlp(pts).max(-1).values)


class Runner:
    def __init__(self, model, optimizer, accum_steps=2):
        self.model, self.optimizer = model, optimizer
        self.accum_steps = accum_steps
        self.hooks = []
        self.iter = 0
        self.outputs = {}
        self.history = defaultdict(list)

    def register_hook(self, hook):
        self.hooks.append(hook)
        self.hooks.sort(key=lambda h: h.priority)

    def call_hook(self, name):
        for h in self.hooks:
            getattr(h, name)(self)

    def is_update_iter(self):
        return (self.iter + 1) % self.accum_steps == 0

    def train_epoch(self, loader):
        self.model.train()
        self.call_hook("before_epoch")
        for pts, label in loader:
            loss = F.cross_entropy(self.model(pts), label) / self.accum_steps
            loss.backward()
            self.outputs = {"loss": loss.item() * self.accum_steps}
            self.call_hook("after_backward")
            if self.is_update_iter():
                self.call_hook("before_step")
                self.optimizer.step()
            self.call_hook("after_step")
            self.history["loss"].append(self.outputs["loss"])
            self.iter += 1
        self.call_hook("after_epoch")


def main():
    logging.basicConfig(level=logging.INFO)
    data = TensorDataset(torch.randn(1024, 3, 512), torch.randint(0, 16, (1024,)))
    loader = DataLoader(data, batch_size=32, shuffle=True, drop_last=True)
    model = PointNetLite()
    opt = torch.optim.Adam(model.parameters(), lr=1e-3)
    runner = Runner(model, opt, accum_steps=2)
    for h in (GradResetHook(), GradClipHook(5.0), LoggerHook(20)):
        runner.register_hook(h)
    for epoch in range(10):
        runner.train_epoch(loader)
        logger.info("epoch %d mean loss %.4f", epoch, sum(runner.history["loss"][-32:]) / 32)


if __name__ == "__main__":
    main()
