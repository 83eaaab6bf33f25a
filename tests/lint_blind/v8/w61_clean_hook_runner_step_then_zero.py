# expect: clean
# style: mmcv-like hook runner, depth estimation regression from RGB with an encoder-decoder
# note: zero_grad lives in a hook rather than next to backward (OptimizerHook.after_train_iter does step() then zero_grad()), and the runner's train_step only calls backward(); gradients are cleared after every step
import logging
import time

import torch
import torch.nn as nn
import torch.nn.functional as F
from torch.utils.data import DataLoader, TensorDataset

logging.basicConfig(level=logging.INFO, format="%(asctime)s - %(message)s")
logger = logging.getLogger("depth")


class DepthNet(nn.Module):
    def __init__(self, c=32):
        super().__init__()
        self.enc = nn.Sequential(
            nn.Conv2d(3, c, 3, 2, 1), nn.BatchNorm2d(c), nn.ReLU(),
            nn.Conv2d(c, 2 * c, 3, 2, 1), nn.BatchNorm2d(2 * c), nn.ReLU(),
            nn.Conv2d(2 * c, 4 * c, 3, 2, 1), nn.BatchNorm2d(4 * c), nn.ReLU())
        self.dec = nn.Sequential(
            nn.ConvTranspose2d(4 * c, 2 * c, 4, 2, 1), nn.ReLU(),
            nn.ConvTranspose2d(2 * c, c, 4, 2, 1), nn.ReLU(),
            nn.ConvTranspose2d(c, 1, 4, 2, 1))

    def forward(self, x):
        return F.softplus(self.dec(self.enc(x)))


def silog_loss(pred, gt, lam=0.85):
    d = torch.log(pred.clamp(min=1e-3)) - torch.log(gt.clamp(min=1e-3))
    return torch.sqrt((d ** 2).mean() - lam * d.mean() ** 2 + 1e-8) * 10


class Hook:
    def before_run(self, runner): pass
    def before_train_epoch(self, runner): pass
    def after_train_iter(self, runner): pass
    def after_train_epoch(self, runner): pass


class OptimizerHook(Hook):
    def __init__(self, max_norm=None):
        self.max_norm = max_norm

    def before_run(self, runner):
        runner.optimizer.zero_grad()

    def after_train_iter(self, runner):
        if self.max_norm:
            nn.utils.clip_grad_norm_(runner.model.parameters(), self.max_norm)
        runner.optimizer.step()
        runner.optimizer.zero_grad()


class PolyLrHook(Hook):
    """Poly schedule computed from iteration count (not a torch scheduler)."""

    def __init__(self, base_lr, power=0.9):
        self.base_lr, self.power = base_lr, power

    def after_train_iter(self, runner):
        factor = (1 - runner.iter / runner.max_iters) ** self.power
        for g in runner.optimizer.param_groups:
            g["lr"] = self.base_lr * factor


class LoggerHook(Hook):
    def __init__(self, interval=25):
        self.interval = interval

    def after_train_iter(self, runner):
        if runner.iter % self.interval == 0:
            logger.info("iter %d/%d loss %.4f", runner.iter, runner.max_iters, runner.outputs["loss"])


class IterRunner:
    def __init__(self, model, optimizer, hooks, max_epochs, iters_per_epoch):
        self.model, self.optimizer, self.hooks = model, optimizer, hooks
        self.max_epochs = max_epochs
        self.max_iters = max_epochs * iters_per_epoch
        self.iter = 0

    def call(self, name):
        for h in self.hooks:
            getattr(h, name)(self)

    def train_step(self, batch):
        img, depth = batch
        loss = silog_loss(self.model(img), depth)
        loss.backward()
        return {"loss": loss.item()}

    def run(self, loader):
        self.call("before_run")
        for epoch in range(self.max_epochs):
            self.model.train()
            self.call("before_train_epoch")
            t0 = time.time()
            for batch in loader:
                self.outputs = self.train_step(batch)
                self.iter += 1
                self.call("after_train_iter")
            self.call("after_train_epoch")
            logger.info("epoch %d done in %.1fs", epoch, time.time() - t0)


if __name__ == "__main__":
    imgs = torch.rand(600, 3, 96, 96)
    depth = torch.rand(600, 1, 96, 96) * 9 + 1
    loader = DataLoader(TensorDataset(imgs, depth), batch_size=8, shuffle=True, drop_last=True)
    model = DepthNet()
    optimizer = torch.optim.AdamW(model.parameters(), lr=1e-4, weight_decay=1e-2)
    runner = IterRunner(model, optimizer, [OptimizerHook(max_norm=5.0), PolyLrHook(1e-4), LoggerHook()],
                        max_epochs=10, iters_per_epoch=len(loader))
    runner.run(loader)
    torch.save(model.state_dict(), "depthnet.pth")
