# expect: TVL003
# style: mmcv-like hook runner for image segmentation; optimizer hook split in two callbacks
# bug: the runner calls after_backward hooks (where OptimizerHook clears grads) before the optimizer step hook, so zero_grad runs between backward() and step().
import logging

import torch
import torch.nn as nn
import torch.nn.functional as F
from torch.utils.data import DataLoader, TensorDataset

logger = logging.getLogger("runner")


class Hook:
    def before_epoch(self, runner): pass
    def after_backward(self, runner): pass
    def after_step(self, runner): pass
    def after_epoch(self, runner): pass


class OptimizerHook(Hook):
    """Keeps the optimizer bookkeeping in one place."""

    def __init__(self, grad_clip=None):
        self.grad_clip = grad_clip

    def after_backward(self, runner):
        if self.grad_clip is not None:
            nn.utils.clip_grad_norm_(runner.model.parameters(), self.grad_clip)
        runner.optimizer.zero_grad()

    def after_step(self, runner):
        runner.optimizer.step()


class LoggerHook(Hook):
    def __init__(self, interval=10):
        self.interval = interval

    def after_step(self, runner):
        if runner.iter % self.interval == 0:
            logger.info("epoch %d iter %d loss %.4f", runner.epoch, runner.iter, runner.outputs["loss"])


class Runner:
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
            self.call_hook("before_epoch")
            for images, masks in loader:
                logits = self.model(images)
                loss = F.cross_entropy(logits, masks, ignore_index=255)
                loss.backward()
                self.call_hook("after_backward")
                self.outputs = {"loss": loss.item()}
                self.call_hook("after_step")
                self.iter += 1
            self.call_hook("after_epoch")


class TinySegNet(nn.Module):
    def __init__(self, n_classes=6):
        super().__init__()
        self.enc = nn.Sequential(nn.Conv2d(3, 32, 3, padding=1), nn.ReLU(), nn.Conv2d(32, 64, 3, stride=2, padding=1), nn.ReLU())
        self.dec = nn.Sequential(nn.ConvTranspose2d(64, 32, 2, stride=2), nn.ReLU(), nn.Conv2d(32, n_classes, 1))

    def forward(self, x):
        return self.dec(self.enc(x))


if __name__ == "__main__":
    logging.basicConfig(level=logging.INFO)
    imgs = torch.randn(256, 3, 64, 64)
    masks = torch.randint(0, 6, (256, 64, 64))
    loader = DataLoader(TensorDataset(imgs, masks), batch_size=8, shuffle=True)
    model = TinySegNet()
    opt = torch.optim.SGD(model.parameters(), lr=0.01, momentum=0.9)
    runner = Runner(model, opt, [OptimizerHook(grad_clip=35.0), LoggerHook(20)])
    runner.train(loader, max_epochs=4)
