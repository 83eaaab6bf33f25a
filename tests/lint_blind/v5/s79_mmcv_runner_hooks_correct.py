# expect: clean
# style: mmcv-style IterBased/EpochBased runner with hooks (OptimizerHook, warmup LrUpdaterHook per iter, StepLrHook per epoch), written by hand
# note: OptimizerHook zeroes, backprops, clips and steps; the warmup LambdaLR is defined in iterations and stepped per iter only during warmup; the epoch StepLR is stepped in after_train_epoch
import torch
import torch.nn as nn
import torch.nn.functional as F
from torch.utils.data import DataLoader, TensorDataset

cfg = dict(optimizer=dict(lr=0.02, momentum=0.9, weight_decay=1e-4), grad_clip=dict(max_norm=35.0),
           warmup_iters=200, lr_step=dict(step_size=8, gamma=0.1), max_epochs=12)


class OptimizerHook:
    def __init__(self, grad_clip):
        self.grad_clip = grad_clip

    def after_train_iter(self, runner):
        runner.optimizer.zero_grad()
        runner.outputs["loss"].backward()
        nn.utils.clip_grad_norm_(runner.model.parameters(), **self.grad_clip)
        runner.optimizer.step()


class WarmupLrHook:
    def __init__(self, optimizer, warmup_iters):
        self.warmup_iters = warmup_iters
        self.sched = torch.optim.lr_scheduler.LambdaLR(optimizer, lambda it: min(1.0, (it + 1) / warmup_iters))

    def after_train_iter(self, runner):
        if runner.iter < self.warmup_iters:
            self.sched.step()


class StepLrHook:
    def __init__(self, optimizer, step_size, gamma):
        self.sched = torch.optim.lr_scheduler.StepLR(optimizer, step_size=step_size, gamma=gamma)

    def after_train_epoch(self, runner):
        self.sched.step()


class EpochBasedRunner:
    def __init__(self, model, optimizer, hooks):
        self.model, self.optimizer, self.hooks = model, optimizer, hooks
        self.iter = self.epoch = 0

    def call_hook(self, name):
        for h in self.hooks:
            if hasattr(h, name):
                getattr(h, name)(self)

    def run(self, loader, max_epochs):
        for self.epoch in range(max_epochs):
            self.model.train()
            for img, label in loader:
                self.outputs = {"loss": F.cross_entropy(self.model(img), label)}
                self.call_hook("after_train_iter")
                self.iter += 1
            self.call_hook("after_train_epoch")
            print(f"Epoch [{self.epoch + 1}] lr: {self.optimizer.param_groups[0]['lr']:.4e}, "
                  f"loss: {self.outputs['loss'].item():.4f}")


if __name__ == "__main__":
    model = nn.Sequential(nn.Conv2d(3, 32, 3, 2, 1), nn.BatchNorm2d(32), nn.ReLU(),
                          nn.Conv2d(32, 64, 3, 2, 1), nn.BatchNorm2d(64), nn.ReLU(),
                          nn.AdaptiveAvgPool2d(1), nn.Flatten(), nn.Linear(64, 10))
    optimizer = torch.optim.SGD(model.parameters(), **cfg["optimizer"])
    hooks = [OptimizerHook(cfg["grad_clip"]), WarmupLrHook(optimizer, cfg["warmup_iters"]),
             StepLrHook(optimizer, **cfg["lr_step"])]
    loader = DataLoader(TensorDataset(torch.randn(1024, 3, 64, 64), torch.randint(0, 10, (1024,))),
                        batch_size=16, shuffle=True, num_workers=2)
    EpochBasedRunner(model, optimizer, hooks).run(loader, cfg["max_epochs"])
