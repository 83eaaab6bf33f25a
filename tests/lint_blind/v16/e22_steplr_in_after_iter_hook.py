# expect: TVL007
# style: hook-based runner, CIFAR-like classifier where the LR hook is registered per iteration
# bug: StepLR(step_size=30, gamma=0.1) is meant as "every 30 epochs" but LrUpdaterHook calls scheduler.step() in after_train_iter, so the LR decays every 30 batches
import logging

import torch
import torch.nn as nn
import torch.nn.functional as F
from torch.utils.data import DataLoader, TensorDataset

log = logging.getLogger("runner")

cfg = dict(
    epochs=90,
    batch_size=128,
    optimizer=dict(type="SGD", lr=0.1, momentum=0.9, weight_decay=5e-4),
    lr_config=dict(policy="step", step_size=30, gamma=0.1),
    log_interval=50,
)


def build_optimizer(model, ocfg):
    ocfg = dict(ocfg)
    kind = ocfg.pop("type")
    return getattr(torch.optim, kind)(model.parameters(), **ocfg)


def build_scheduler(optimizer, lcfg):
    if lcfg["policy"] == "step":
        return torch.optim.lr_scheduler.StepLR(optimizer, step_size=lcfg["step_size"], gamma=lcfg["gamma"])
    if lcfg["policy"] == "cos":
        return torch.optim.lr_scheduler.CosineAnnealingLR(optimizer, T_max=cfg["epochs"])
    raise KeyError(lcfg["policy"])


class LrUpdaterHook:
    def __init__(self, scheduler):
        self.scheduler = scheduler

    def after_train_iter(self, runner):
        self.scheduler.step()

    def after_train_epoch(self, runner):
        pass


class LoggerHook:
    def __init__(self, interval):
        self.interval = interval

    def after_train_iter(self, runner):
        if runner.inner_iter % self.interval == 0:
            log.info("ep %d it %d loss %.4f lr %.5f", runner.epoch, runner.inner_iter, runner.loss,
                     runner.optimizer.param_groups[0]["lr"])

    def after_train_epoch(self, runner):
        pass


class Runner:
    def __init__(self, model, optimizer, hooks):
        self.model, self.optimizer, self.hooks = model, optimizer, hooks
        self.epoch = self.inner_iter = 0
        self.loss = 0.0

    def call(self, fn):
        for h in self.hooks:
            getattr(h, fn)(self)

    def train(self, loader):
        self.model.train()
        for self.inner_iter, (x, y) in enumerate(loader):
            loss = F.cross_entropy(self.model(x), y)
            self.optimizer.zero_grad()
            loss.backward()
            self.optimizer.step()
            self.loss = loss.item()
            self.call("after_train_iter")
        self.call("after_train_epoch")
        self.epoch += 1


def resnet_ish(n_classes=10):
    def blk(i, o, s):
        return nn.Sequential(nn.Conv2d(i, o, 3, s, 1, bias=False), nn.BatchNorm2d(o), nn.ReLU(inplace=True))
    return nn.Sequential(blk(3, 64, 1), blk(64, 128, 2), blk(128, 256, 2), blk(256, 256, 2),
                         nn.AdaptiveAvgPool2d(1), nn.Flatten(), nn.Linear(256, n_classes))


if __name__ == "__main__":
    logging.basicConfig(level=logging.INFO)
    ds = TensorDataset(torch.randn(5000, 3, 32, 32), torch.randint(0, 10, (5000,)))
    loader = DataLoader(ds, batch_size=cfg["batch_size"], shuffle=True, num_workers=4, pin_memory=True)
    model = resnet_ish()
    optimizer = build_optimizer(model, cfg["optimizer"])
    scheduler = build_scheduler(optimizer, cfg["lr_config"])
    runner = Runner(model, optimizer, [LrUpdaterHook(scheduler), LoggerHook(cfg["log_interval"])])
    for _ in range(cfg["epochs"]):
        runner.train(loader)
    torch.save(model.state_dict(), "resnet_ish.pth")
