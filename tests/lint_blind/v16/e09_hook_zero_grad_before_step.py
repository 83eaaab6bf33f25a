# expect: TVL003
# style: callback/hook runner (mmcv-like) for a speech keyword-spotting CNN
# bug: the OptimizerHook clears gradients in before_step, which the runner calls after backward and right before optimizer.step, so the step uses empty gradients
import logging
import time

import torch
import torch.nn as nn
import torch.nn.functional as F
from torch.utils.data import DataLoader, TensorDataset

logger = logging.getLogger("kws")


class Hook:
    def before_epoch(self, runner): pass
    def after_backward(self, runner): pass
    def before_step(self, runner): pass
    def after_iter(self, runner): pass
    def after_epoch(self, runner): pass


class OptimizerHook(Hook):
    def __init__(self, grad_clip=None):
        self.grad_clip = grad_clip

    def after_backward(self, runner):
        if self.grad_clip is not None:
            runner.grad_norm = nn.utils.clip_grad_norm_(runner.model.parameters(), self.grad_clip).item()

    def before_step(self, runner):
        runner.optimizer.zero_grad()


class TextLoggerHook(Hook):
    def __init__(self, interval=50):
        self.interval = interval
        self.t0 = time.time()

    def after_iter(self, runner):
        if runner.iter % self.interval == 0:
            logger.info("iter %d loss %.4f gnorm %.3f %.1fs", runner.iter, runner.outputs["loss"].item(),
                        runner.grad_norm, time.time() - self.t0)


class CheckpointHook(Hook):
    def after_epoch(self, runner):
        torch.save({"model": runner.model.state_dict(), "epoch": runner.epoch}, f"kws_epoch{runner.epoch}.pth")


class EpochRunner:
    def __init__(self, model, optimizer, hooks):
        self.model, self.optimizer, self.hooks = model, optimizer, hooks
        self.iter = self.epoch = 0
        self.grad_norm = 0.0
        self.outputs = {}

    def call_hook(self, name):
        for h in self.hooks:
            getattr(h, name)(self)

    def train_epoch(self, loader):
        self.model.train()
        self.call_hook("before_epoch")
        for feats, labels in loader:
            logits = self.model(feats)
            self.outputs = {"loss": F.cross_entropy(logits, labels)}
            self.outputs["loss"].backward()
            self.call_hook("after_backward")
            self.call_hook("before_step")
            self.optimizer.step()
            self.iter += 1
            self.call_hook("after_iter")
        self.call_hook("after_epoch")
        self.epoch += 1

    def run(self, loader, max_epochs):
        while self.epoch < max_epochs:
            self.train_epoch(loader)


class KWSNet(nn.Module):
    def __init__(self, n_mels=40, n_classes=12):
        super().__init__()
        self.conv = nn.Sequential(
            nn.Conv2d(1, 32, (3, 3), padding=1), nn.BatchNorm2d(32), nn.ReLU(), nn.MaxPool2d(2),
            nn.Conv2d(32, 64, (3, 3), padding=1), nn.BatchNorm2d(64), nn.ReLU(), nn.AdaptiveAvgPool2d(1))
        self.fc = nn.Linear(64, n_classes)

    def forward(self, x):
        return self.fc(self.conv(x.unsqueeze(1)).flatten(1))


if __name__ == "__main__":
    logging.basicConfig(level=logging.INFO)
    mels = torch.randn(3000, 40, 101)
    labels = torch.randint(0, 12, (3000,))
    loader = DataLoader(TensorDataset(mels, labels), batch_size=64, shuffle=True, drop_last=True)
    model = KWSNet()
    optimizer = torch.optim.Adam(model.parameters(), lr=1e-3)
    runner = EpochRunner(model, optimizer, [OptimizerHook(grad_clip=5.0), TextLoggerHook(), CheckpointHook()])
    runner.run(loader, max_epochs=12)
