# expect: TVL004
# style: detectron2-like engine with HookBase subclasses, keypoint-ish regression on images
# bug: the ValidationHook's after_epoch() switches the model to eval mode and no hook or trainer method ever calls model.train() again (the trainer only does it once in before_train)
import logging
import time
import weakref

import torch
import torch.nn as nn
import torch.nn.functional as F
from torch.utils.data import DataLoader, TensorDataset

logger = logging.getLogger("engine")


class HookBase:
    trainer = None

    def before_train(self):
        pass

    def after_train(self):
        pass

    def before_step(self):
        pass

    def after_step(self):
        pass

    def after_epoch(self):
        pass


class TrainerBase:
    def __init__(self):
        self._hooks = []
        self.iter = 0
        self.epoch = 0

    def register_hooks(self, hooks):
        for h in hooks:
            h.trainer = weakref.proxy(self)
            self._hooks.append(h)

    def _call(self, name):
        for h in self._hooks:
            getattr(h, name)()

    def train(self, max_epochs):
        self.before_train()
        self._call("before_train")
        for self.epoch in range(max_epochs):
            for batch in self.data_loader:
                self._call("before_step")
                self.run_step(batch)
                self._call("after_step")
                self.iter += 1
            self._call("after_epoch")
        self._call("after_train")

    def before_train(self):
        pass


class SimpleTrainer(TrainerBase):
    def __init__(self, model, data_loader, optimizer):
        super().__init__()
        self.model = model
        self.data_loader = data_loader
        self.optimizer = optimizer
        self.storage = {}

    def before_train(self):
        self.model.train()

    def run_step(self, batch):
        t0 = time.perf_counter()
        images, targets = batch
        pred = self.model(images)
        loss = F.smooth_l1_loss(pred, targets, beta=0.1)
        self.optimizer.zero_grad()
        loss.backward()
        self.optimizer.step()
        self.storage["loss"] = loss.item()
        self.storage["time"] = time.perf_counter() - t0


class PeriodicWriter(HookBase):
    def __init__(self, period=50):
        self.period = period

    def after_step(self):
        if self.trainer.iter % self.period == 0:
            logger.info("iter %d loss %.4f (%.3fs/it)", self.trainer.iter,
                        self.trainer.storage["loss"], self.trainer.storage["time"])


class ValidationHook(HookBase):
    def __init__(self, loader):
        self.loader = loader

    def after_epoch(self):
        model = self.trainer.model
        model.eval()
        err, n = 0.0, 0
        with torch.no_grad():
            for images, targets in self.loader:
                err += (model(images) - targets).abs().sum().item()
                n += targets.numel()
        logger.info("epoch %d val MAE %.4f", self.trainer.epoch, err / n)


class LRSchedulerHook(HookBase):
    def __init__(self, scheduler):
        self.scheduler = scheduler

    def after_epoch(self):
        self.scheduler.step()


def build_model(n_kpts=8):
    return nn.Sequential(
        nn.Conv2d(3, 32, 3, 2, 1), nn.BatchNorm2d(32), nn.ReLU(),
        nn.Conv2d(32, 64, 3, 2, 1), nn.BatchNorm2d(64), nn.ReLU(),
        nn.Conv2d(64, 128, 3, 2, 1), nn.BatchNorm2d(128), nn.ReLU(),
        nn.AdaptiveAvgPool2d(1), nn.Flatten(), nn.Dropout(0.3), nn.Linear(128, n_kpts * 2),
    )


def main():
    logging.basicConfig(level=logging.INFO)
    imgs = torch.randn(2400, 3, 64, 64)
    kpts = torch.rand(2400, 16)
    train_dl = DataLoader(TensorDataset(imgs[:2000], kpts[:2000]), batch_size=32, shuffle=True)
    val_dl = DataLoader(TensorDataset(imgs[2000:], kpts[2000:]), batch_size=64)
    model = build_model()
    opt = torch.optim.Adam(model.parameters(), lr=1e-3)
    sched = torch.optim.lr_scheduler.MultiStepLR(opt, milestones=[8, 11], gamma=0.1)
    trainer = SimpleTrainer(model, train_dl, opt)
    trainer.register_hooks([PeriodicWriter(), ValidationHook(val_dl), LRSchedulerHook(sched)])
    trainer.train(max_epochs=12)
    torch.save(model.state_dict(), "kpt_model.pth")


if __name__ == "__main__":
    main()
