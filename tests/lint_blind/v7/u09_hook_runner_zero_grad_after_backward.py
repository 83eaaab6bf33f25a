# expect: TVL003
# style: mmcv-style hook runner with optimizer hook, segmentation toy model
# bug: the runner calls hooks in the order backward -> after_backward -> step, and ClearGradHook.after_backward calls optimizer.zero_grad(), so gradients are cleared between backward() and step().
import logging

import torch
import torch.nn as nn
import torch.nn.functional as F
from torch.utils.data import DataLoader, TensorDataset

logger = logging.getLogger("runner")


class Hook:
    def before_epoch(self, runner): pass
    def after_backward(self, runner): pass
    def after_iter(self, runner): pass
    def after_epoch(self, runner): pass


class ClearGradHook(Hook):
    """Release gradient memory as early as possible."""

    def after_backward(self, runner):
        runner.optimizer.zero_grad(set_to_none=True)


class LoggerHook(Hook):
    def __init__(self, interval=10):
        self.interval = interval

    def after_iter(self, runner):
        if runner.iter % self.interval == 0:
            logger.info("iter %d loss %.4f lr %.2e", runner.iter, runner.outputs["loss"],
                        runner.optimizer.param_groups[0]["lr"])


class EpochLRHook(Hook):
    def __init__(self, scheduler):
        self.scheduler = scheduler

    def after_epoch(self, runner):
        self.scheduler.step()


class Runner:
    def __init__(self, model, optimizer, hooks):
        self.model, self.optimizer, self.hooks = model, optimizer, hooks
        self.iter = 0
        self.epoch = 0
        self.outputs = {}

    def call_hook(self, name):
        for h in self.hooks:
            getattr(h, name)(self)

    def run_iter(self, batch):
        img, mask = batch
        logits = self.model(img)
        loss = F.cross_entropy(logits, mask, ignore_index=255)
        loss.backward()
        self.call_hook("after_backward")
        self.optimizer.step()
        self.outputs = {"loss": loss.item()}
        self.iter += 1
        self.call_hook("after_iter")

    def train(self, loader, max_epochs):
        self.model.train()
        for self.epoch in range(max_epochs):
            self.call_hook("before_epoch")
            for batch in loader:
                self.run_iter(batch)
            self.call_hook("after_epoch")


class TinySeg(nn.Module):
    def __init__(self, n_classes=5):
        super().__init__()
        self.enc = nn.Sequential(nn.Conv2d(3, 32, 3, 2, 1), nn.ReLU(), nn.Conv2d(32, 64, 3, 2, 1), nn.ReLU())
        self.dec = nn.Conv2d(64, n_classes, 1)

    def forward(self, x):
        return F.interpolate(self.dec(self.enc(x)), size=x.shape[-2:], mode="bilinear", align_corners=False)


if __name__ == "__main__":
    logging.basicConfig(level=logging.INFO)
    ds = TensorDataset(torch.randn(400, 3, 64, 64), torch.randint(0, 5, (400, 64, 64)))
    loader = DataLoader(ds, batch_size=8, shuffle=True, num_workers=2)
    model = TinySeg()
    optimizer = torch.optim.SGD(model.parameters(), lr=0.01, momentum=0.9, weight_decay=1e-4)
    sched = torch.optim.lr_scheduler.StepLR(optimizer, step_size=8, gamma=0.1)
    runner = Runner(model, optimizer, [ClearGradHook(), LoggerHook(), EpochLRHook(sched)])
    runner.train(loader, max_epochs=20)
