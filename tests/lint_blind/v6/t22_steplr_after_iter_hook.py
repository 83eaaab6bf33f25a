# expect: TVL007
# style: mmcv-like runner with config dict and hooks, image classification
# bug: the config builds StepLR(step_size=30) meaning epochs, but LrUpdaterHook steps it in after_train_iter, so the LR decays every 30 iterations.
import torch
import torch.nn as nn
import torch.nn.functional as F

cfg = dict(
    model=dict(in_ch=3, num_classes=100, width=64),
    optimizer=dict(type="SGD", lr=0.1, momentum=0.9, weight_decay=1e-4),
    lr_config=dict(type="StepLR", step_size=30, gamma=0.1),  # decay every 30 epochs
    total_epochs=90,
    iters_per_epoch=200,
)


def build_model(c):
    w = c["width"]
    return nn.Sequential(
        nn.Conv2d(c["in_ch"], w, 3, padding=1), nn.BatchNorm2d(w), nn.ReLU(),
        nn.Conv2d(w, 2 * w, 3, stride=2, padding=1), nn.BatchNorm2d(2 * w), nn.ReLU(),
        nn.AdaptiveAvgPool2d(1), nn.Flatten(), nn.Linear(2 * w, c["num_classes"]),
    )


def build_optimizer(model, c):
    c = dict(c)
    kind = c.pop("type")
    return getattr(torch.optim, kind)(model.parameters(), **c)


def build_scheduler(optimizer, c):
    c = dict(c)
    kind = c.pop("type")
    return getattr(torch.optim.lr_scheduler, kind)(optimizer, **c)


class Hook:
    def before_epoch(self, runner): pass
    def after_train_iter(self, runner): pass
    def after_epoch(self, runner): pass


class OptimizerHook(Hook):
    def after_train_iter(self, runner):
        runner.optimizer.zero_grad()
        runner.outputs["loss"].backward()
        runner.optimizer.step()


class LrUpdaterHook(Hook):
    def after_train_iter(self, runner):
        runner.scheduler.step()


class LoggerHook(Hook):
    def after_epoch(self, runner):
        lr = runner.optimizer.param_groups[0]["lr"]
        print(f"epoch {runner.epoch} loss {runner.outputs['loss'].item():.4f} lr {lr:.5f}")


class EpochRunner:
    def __init__(self, model, optimizer, scheduler, hooks):
        self.model, self.optimizer, self.scheduler = model, optimizer, scheduler
        self.hooks = hooks
        self.outputs = {}

    def call_hook(self, name):
        for h in self.hooks:
            getattr(h, name)(self)

    def run(self, total_epochs, iters_per_epoch):
        for self.epoch in range(total_epochs):
            self.model.train()
            self.call_hook("before_epoch")
            for _ in range(iters_per_epoch):
                x = torch.randn(32, 3, 32, 32)
                y = torch.randint(0, 100, (32,))
                self.outputs = {"loss": F.cross_entropy(self.model(x), y)}
                self.call_hook("after_train_iter")
            self.call_hook("after_epoch")


if __name__ == "__main__":
    model = build_model(cfg["model"])
    optimizer = build_optimizer(model, cfg["optimizer"])
    scheduler = build_scheduler(optimizer, cfg["lr_config"])
    hooks = [OptimizerHook(), LrUpdaterHook(), LoggerHook()]
    EpochRunner(model, optimizer, scheduler, hooks).run(cfg["total_epochs"], cfg["iters_per_epoch"])
