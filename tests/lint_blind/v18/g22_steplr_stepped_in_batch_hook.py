# expect: TVL007
# style: engine with hook registry (mmcv-like), object detection-ish keypoint regressor, schedulers from config
# bug: build_scheduler() creates an epoch-based StepLR (step_size=8 "epochs") but LrUpdaterHook steps it in after_train_iter, i.e. every batch, so the LR decays 10x every 8 iterations.
import logging
from collections import defaultdict

import torch
import torch.nn as nn
import torch.nn.functional as F
from torch.utils.data import DataLoader, TensorDataset

logger = logging.getLogger("engine")

cfg = dict(
    model=dict(in_ch=3, n_kpts=5),
    optimizer=dict(type="SGD", lr=0.02, momentum=0.9, weight_decay=1e-4),
    lr_config=dict(policy="step", step_size=8, gamma=0.1),
    total_epochs=24,
    data=dict(samples_per_gpu=32),
    log_interval=20,
)


class KeypointNet(nn.Module):
    def __init__(self, in_ch, n_kpts):
        super().__init__()
        self.backbone = nn.Sequential(
            nn.Conv2d(in_ch, 32, 3, 2, 1), nn.BatchNorm2d(32), nn.ReLU(),
            nn.Conv2d(32, 64, 3, 2, 1), nn.BatchNorm2d(64), nn.ReLU(),
            nn.Conv2d(64, 128, 3, 2, 1), nn.BatchNorm2d(128), nn.ReLU(),
        )
        self.head = nn.Linear(128, n_kpts * 2)

    def forward(self, x):
        return self.head(self.backbone(x).mean((2, 3)))


def build_optimizer(model, ocfg):
    ocfg = dict(ocfg)
    kind = ocfg.pop("type")
    return getattr(torch.optim, kind)(model.parameters(), **ocfg)


def build_scheduler(optimizer, lcfg):
    if lcfg["policy"] == "step":
        return torch.optim.lr_scheduler.StepLR(optimizer, step_size=lcfg["step_size"], gamma=lcfg["gamma"])
    raise ValueError(lcfg["policy"])


class Hook:
    def before_train_epoch(self, runner): pass
    def after_train_iter(self, runner): pass
    def after_train_epoch(self, runner): pass


class OptimizerHook(Hook):
    def after_train_iter(self, runner):
        runner.optimizer.zero_grad()
        runner.outputs["loss"].backward()
        nn.utils.clip_grad_norm_(runner.model.parameters(), 35.0)
        runner.optimizer.step()


class LrUpdaterHook(Hook):
    def __init__(self, scheduler):
        self.scheduler = scheduler

    def after_train_iter(self, runner):
        self.scheduler.step()


class TextLoggerHook(Hook):
    def __init__(self, interval):
        self.interval = interval
        self.buf = defaultdict(list)

    def after_train_iter(self, runner):
        self.buf["loss"].append(runner.outputs["loss"].item())
        if runner.iter % self.interval == 0:
            lr = runner.optimizer.param_groups[0]["lr"]
            logger.info("Epoch [%d] iter %d lr %.2e loss %.4f", runner.epoch, runner.iter, lr,
                        sum(self.buf["loss"]) / len(self.buf["loss"]))
            self.buf.clear()


class EpochBasedRunner:
    def __init__(self, model, optimizer, hooks):
        self.model, self.optimizer, self.hooks = model, optimizer, hooks
        self.epoch = self.iter = 0
        self.outputs = {}

    def call_hook(self, name):
        for h in self.hooks:
            getattr(h, name)(self)

    def train(self, loader, max_epochs):
        for self.epoch in range(max_epochs):
            self.model.train()
            self.call_hook("before_train_epoch")
            for img, kpts in loader:
                pred = self.model(img)
                self.outputs = {"loss": F.smooth_l1_loss(pred, kpts.flatten(1))}
                self.call_hook("after_train_iter")
                self.iter += 1
            self.call_hook("after_train_epoch")


if __name__ == "__main__":
    logging.basicConfig(level=logging.INFO)
    imgs = torch.randn(2000, 3, 64, 64)
    kpts = torch.rand(2000, cfg["model"]["n_kpts"], 2)
    loader = DataLoader(TensorDataset(imgs, kpts), batch_size=cfg["data"]["samples_per_gpu"], shuffle=True)
    model = KeypointNet(**cfg["model"])
    optimizer = build_optimizer(model, cfg["optimizer"])
    scheduler = build_scheduler(optimizer, cfg["lr_config"])
    hooks = [OptimizerHook(), LrUpdaterHook(scheduler), TextLoggerHook(cfg["log_interval"])]
    EpochBasedRunner(model, optimizer, hooks).train(loader, cfg["total_epochs"])
    torch.save(model.state_dict(), "kpt_final.pth")
