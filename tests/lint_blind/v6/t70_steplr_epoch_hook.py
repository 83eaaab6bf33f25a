# expect: clean
# style: mmcv-like runner with config dict and hooks, fine-grained bird classification
# note: the schedule is an epoch-based MultiStepLR built from the config, and the LR hook steps it in after_epoch (not after_train_iter), which matches its milestones in epochs.
import torch
import torch.nn as nn
import torch.nn.functional as F

cfg = dict(
    optimizer=dict(type="SGD", lr=0.05, momentum=0.9, weight_decay=1e-4),
    lr_config=dict(type="MultiStepLR", milestones=[30, 45], gamma=0.1),  # epochs
    total_epochs=50,
    iters_per_epoch=150,
    num_classes=200,
)


def build_model(num_classes):
    return nn.Sequential(
        nn.Conv2d(3, 64, 3, 2, 1), nn.BatchNorm2d(64), nn.ReLU(),
        nn.Conv2d(64, 128, 3, 2, 1), nn.BatchNorm2d(128), nn.ReLU(),
        nn.Conv2d(128, 256, 3, 2, 1), nn.BatchNorm2d(256), nn.ReLU(),
        nn.AdaptiveAvgPool2d(1), nn.Flatten(), nn.Dropout(0.2), nn.Linear(256, num_classes),
    )


def build_from_cfg(module, c, *args):
    c = dict(c)
    return getattr(module, c.pop("type"))(*args, **c)


class Hook:
    def before_epoch(self, runner): pass
    def after_train_iter(self, runner): pass
    def after_epoch(self, runner): pass


class OptimizerHook(Hook):
    def after_train_iter(self, runner):
        runner.optimizer.zero_grad()
        runner.outputs["loss"].backward()
        runner.optimizer.step()


class EpochLrHook(Hook):
    def after_epoch(self, runner):
        runner.scheduler.step()


class TextLogger(Hook):
    def after_epoch(self, runner):
        print(f"epoch {runner.epoch} last loss {runner.outputs['loss'].item():.4f} "
              f"lr {runner.optimizer.param_groups[0]['lr']:.4f}")


class Runner:
    def __init__(self, model, optimizer, scheduler, hooks):
        self.model, self.optimizer, self.scheduler, self.hooks = model, optimizer, scheduler, hooks
        self.outputs = {}

    def call(self, name):
        for h in self.hooks:
            getattr(h, name)(self)

    def train(self, epochs, iters, num_classes):
        for self.epoch in range(epochs):
            self.model.train()
            self.call("before_epoch")
            for _ in range(iters):
                x = torch.randn(16, 3, 96, 96)
                y = torch.randint(0, num_classes, (16,))
                self.outputs = {"loss": F.cross_entropy(self.model(x), y)}
                self.call("after_train_iter")
            self.call("after_epoch")


if __name__ == "__main__":
    model = build_model(cfg["num_classes"])
    optimizer = build_from_cfg(torch.optim, cfg["optimizer"], model.parameters())
    scheduler = build_from_cfg(torch.optim.lr_scheduler, cfg["lr_config"], optimizer)
    Runner(model, optimizer, scheduler, [OptimizerHook(), EpochLrHook(), TextLogger()]).train(
        cfg["total_epochs"], cfg["iters_per_epoch"], cfg["num_classes"])
