# expect: TVL003
# style: mmcv-like hook runner, image segmentation with a tiny UNet
# bug: OptimizerHook.after_train_iter calls runner.optimizer.zero_grad() after the runner's backward and right before optimizer.step(), wiping the freshly computed gradients
import logging
import time

import torch
import torch.nn as nn
import torch.nn.functional as F
from torch.utils.data import DataLoader, TensorDataset

logger = logging.getLogger("seg")
logging.basicConfig(level=logging.INFO)


class DoubleConv(nn.Sequential):
    def __init__(self, cin, cout):
        super().__init__(
            nn.Conv2d(cin, cout, 3, padding=1), nn.BatchNorm2d(cout), nn.ReLU(inplace=True),
            nn.Conv2d(cout, cout, 3, padding=1), nn.BatchNorm2d(cout), nn.ReLU(inplace=True),
        )


class TinyUNet(nn.Module):
    def __init__(self, n_classes=3, base=16):
        super().__init__()
        self.enc1 = DoubleConv(3, base)
        self.enc2 = DoubleConv(base, base * 2)
        self.bott = DoubleConv(base * 2, base * 4)
        self.up2 = nn.ConvTranspose2d(base * 4, base * 2, 2, stride=2)
        self.dec2 = DoubleConv(base * 4, base * 2)
        self.up1 = nn.ConvTranspose2d(base * 2, base, 2, stride=2)
        self.dec1 = DoubleConv(base * 2, base)
        self.head = nn.Conv2d(base, n_classes, 1)

    def forward(self, x):
        e1 = self.enc1(x)
        e2 = self.enc2(F.max_pool2d(e1, 2))
        b = self.bott(F.max_pool2d(e2, 2))
        d2 = self.dec2(torch.cat([self.up2(b), e2], 1))
        d1 = self.dec1(torch.cat([self.up1(d2), e1], 1))
        return self.head(d1)


class Hook:
    def before_train_epoch(self, runner): pass
    def before_train_iter(self, runner): pass
    def after_train_iter(self, runner): pass
    def after_train_epoch(self, runner): pass


class OptimizerHook(Hook):
    def __init__(self, grad_clip=None):
        self.grad_clip = grad_clip

    def after_train_iter(self, runner):
        runner.optimizer.zero_grad()
        if self.grad_clip is not None:
            nn.utils.clip_grad_norm_(runner.model.parameters(), **self.grad_clip)
        runner.optimizer.step()


class LoggerHook(Hook):
    def __init__(self, interval=10):
        self.interval = interval

    def after_train_iter(self, runner):
        if runner.iter % self.interval == 0:
            logger.info("epoch %d iter %d loss %.4f lr %.2e", runner.epoch, runner.iter,
                        runner.outputs["loss"], runner.optimizer.param_groups[0]["lr"])


class LrStepHook(Hook):
    def __init__(self, scheduler):
        self.scheduler = scheduler

    def after_train_epoch(self, runner):
        self.scheduler.step()


class EpochRunner:
    def __init__(self, model, optimizer, hooks, max_epochs):
        self.model = model
        self.optimizer = optimizer
        self.hooks = hooks
        self.max_epochs = max_epochs
        self.epoch = 0
        self.iter = 0
        self.outputs = {}

    def call_hook(self, name):
        for h in self.hooks:
            getattr(h, name)(self)

    def train_step(self, batch):
        img, mask = batch
        logits = self.model(img)
        loss = F.cross_entropy(logits, mask)
        loss.backward()
        return {"loss": loss.item()}

    def run(self, loader):
        for self.epoch in range(self.max_epochs):
            self.model.train()
            self.call_hook("before_train_epoch")
            t0 = time.time()
            for batch in loader:
                self.call_hook("before_train_iter")
                self.outputs = self.train_step(batch)
                self.call_hook("after_train_iter")
                self.iter += 1
            self.call_hook("after_train_epoch")
            logger.info("epoch %d took %.1fs", self.epoch, time.time() - t0)


def main():
    imgs = torch.randn(512, 3, 64, 64)
    masks = torch.randint(0, 3, (512, 64, 64))
    loader = DataLoader(TensorDataset(imgs, masks), batch_size=16, shuffle=True, num_workers=0)
    model = TinyUNet()
    optimizer = torch.optim.SGD(model.parameters(), lr=0.01, momentum=0.9, weight_decay=1e-4)
    scheduler = torch.optim.lr_scheduler.MultiStepLR(optimizer, milestones=[8, 11], gamma=0.1)
    hooks = [OptimizerHook(grad_clip=dict(max_norm=35, norm_type=2)), LoggerHook(20), LrStepHook(scheduler)]
    runner = EpochRunner(model, optimizer, hooks, max_epochs=12)
    runner.run(loader)
    torch.save(model.state_dict(), "unet_latest.pth")


if __name__ == "__main__":
    main()
