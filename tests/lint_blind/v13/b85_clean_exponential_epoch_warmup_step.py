# expect: clean
# style: engine with hooks (detectron2-like) and two schedulers: per-iteration linear warmup and per-epoch ExponentialLR, object counting regression
# note: one scheduler is stepped every iteration but it is a LinearLR warmup sized in iterations; the epoch-based ExponentialLR is stepped in after_epoch, and both after optimizer.step()
import logging

import torch
import torch.nn as nn
import torch.nn.functional as F
from torch.utils.data import DataLoader, TensorDataset

log = logging.getLogger("count")


class Hook:
    def after_iter(self, trainer): pass
    def after_epoch(self, trainer): pass


class WarmupHook(Hook):
    def __init__(self, optimizer, warmup_iters):
        self.sched = torch.optim.lr_scheduler.LinearLR(optimizer, start_factor=0.01, total_iters=warmup_iters)
        self.warmup_iters = warmup_iters

    def after_iter(self, trainer):
        if trainer.iter < self.warmup_iters:
            self.sched.step()


class EpochDecayHook(Hook):
    def __init__(self, optimizer, gamma):
        self.sched = torch.optim.lr_scheduler.ExponentialLR(optimizer, gamma=gamma)

    def after_epoch(self, trainer):
        self.sched.step()


class LogHook(Hook):
    def after_epoch(self, trainer):
        log.info("epoch %d loss %.4f lr %.2e", trainer.epoch, trainer.last_loss, trainer.opt.param_groups[0]["lr"])


class CounterNet(nn.Module):
    def __init__(self):
        super().__init__()
        self.f = nn.Sequential(nn.Conv2d(3, 32, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
                               nn.Conv2d(32, 64, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
                               nn.Conv2d(64, 1, 1), nn.ReLU())

    def forward(self, x):
        return self.f(x).sum((1, 2, 3))  # predicted count per image, shape (B,)


class Trainer:
    def __init__(self, model, loader, opt, hooks):
        self.model, self.loader, self.opt, self.hooks = model, loader, opt, hooks
        self.iter = 0
        self.epoch = 0
        self.last_loss = float("nan")

    def train(self, epochs):
        for self.epoch in range(epochs):
            self.model.train()
            for x, count in self.loader:
                loss = F.smooth_l1_loss(self.model(x), count)
                self.opt.zero_grad()
                loss.backward()
                self.opt.step()
                self.last_loss = loss.item()
                for h in self.hooks:
                    h.after_iter(self)
                self.iter += 1
            for h in self.hooks:
                h.after_epoch(self)


if __name__ == "__main__":
    logging.basicConfig(level=logging.INFO)
    imgs = torch.rand(3000, 3, 64, 64)
    counts = torch.randint(0, 40, (3000,)).float()
    loader = DataLoader(TensorDataset(imgs, counts), batch_size=32, shuffle=True)
    model = CounterNet()
    opt = torch.optim.Adam(model.parameters(), lr=1e-3)
    hooks = [WarmupHook(opt, warmup_iters=200), EpochDecayHook(opt, gamma=0.9), LogHook()]
    Trainer(model, loader, opt, hooks).train(epochs=20)
    torch.save(model.state_dict(), "counter.pt")
