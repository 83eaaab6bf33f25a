# expect: clean
# style: detectron2-like hook engine with an iteration warmup LambdaLR and an epoch MultiStepLR (object counting regression)
# note: two schedulers are stepped from hooks: the warmup LambdaLR (defined in iterations) after each iteration, and the MultiStepLR (milestones in epochs) only in after_epoch.
import logging

import torch
import torch.nn as nn
import torch.nn.functional as F
from torch.utils.data import DataLoader, TensorDataset

log = logging.getLogger("count")


class HookBase:
    def after_step(self, trainer): pass
    def after_epoch(self, trainer): pass


class WarmupHook(HookBase):
    def __init__(self, optimizer, warmup_iters):
        self.warmup_iters = warmup_iters
        self.sched = torch.optim.lr_scheduler.LambdaLR(optimizer, lambda it: min(1.0, (it + 1) / warmup_iters))

    def after_step(self, trainer):
        if trainer.iter < self.warmup_iters:
            self.sched.step()


class EpochDecayHook(HookBase):
    def __init__(self, optimizer, milestones, gamma=0.1):
        self.sched = torch.optim.lr_scheduler.MultiStepLR(optimizer, milestones=milestones, gamma=gamma)

    def after_epoch(self, trainer):
        self.sched.step()


class SimpleTrainer:
    def __init__(self, model, loader, optimizer, hooks):
        self.model, self.loader, self.optimizer, self.hooks = model, loader, optimizer, hooks
        self.iter = 0

    def run_step(self, img, density):
        pred = self.model(img)
        loss = F.mse_loss(pred, density) * 100
        self.optimizer.zero_grad()
        loss.backward()
        self.optimizer.step()
        return loss.item(), (pred.sum((1, 2, 3)) - density.sum((1, 2, 3))).abs().mean().item()

    def train(self, epochs):
        for epoch in range(epochs):
            self.model.train()
            mae = 0.0
            for img, density in self.loader:
                loss, err = self.run_step(img, density)
                mae += err
                for h in self.hooks:
                    h.after_step(self)
                self.iter += 1
            for h in self.hooks:
                h.after_epoch(self)
            log.info("epoch %d count MAE %.2f lr %.2e", epoch, mae / len(self.loader), self.optimizer.param_groups[0]["lr"])


class CSRNetLite(nn.Module):
    def __init__(self):
        super().__init__()
        self.front = nn.Sequential(nn.Conv2d(3, 64, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2), nn.Conv2d(64, 128, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2))
        self.back = nn.Sequential(nn.Conv2d(128, 64, 3, padding=2, dilation=2), nn.ReLU(), nn.Conv2d(64, 1, 1))

    def forward(self, x):
        return F.relu(self.back(self.front(x)))


if __name__ == "__main__":
    logging.basicConfig(level=logging.INFO)
    model = CSRNetLite()
    opt = torch.optim.SGD(model.parameters(), lr=1e-4, momentum=0.95)
    imgs = torch.rand(400, 3, 128, 128)
    dens = torch.rand(400, 1, 32, 32) * 0.01
    loader = DataLoader(TensorDataset(imgs, dens), batch_size=8, shuffle=True)
    hooks = [WarmupHook(opt, warmup_iters=200), EpochDecayHook(opt, milestones=[30, 45])]
    SimpleTrainer(model, loader, opt, hooks).train(epochs=50)
