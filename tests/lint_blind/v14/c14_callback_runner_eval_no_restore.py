# expect: TVL004
# style: callback/hook runner engine, semantic segmentation on synthetic masks
# bug: EvalCallback.after_epoch puts the model in eval() and the runner only calls model.train() once in before_run, so epochs 2+ train with frozen BatchNorm statistics and no dropout
import logging

import torch
import torch.nn as nn
import torch.nn.functional as F
from torch.utils.data import DataLoader, TensorDataset

logger = logging.getLogger("seg")


class Callback:
    def before_run(self, runner): pass
    def before_epoch(self, runner): pass
    def after_iter(self, runner): pass
    def after_epoch(self, runner): pass


class LoggerCallback(Callback):
    def __init__(self, every=20):
        self.every = every

    def after_iter(self, runner):
        if runner.iter % self.every == 0:
            logger.info("epoch %d iter %d loss %.4f", runner.epoch, runner.iter, runner.outputs["loss"])


class EvalCallback(Callback):
    def __init__(self, loader, n_classes):
        self.loader = loader
        self.n_classes = n_classes

    @torch.no_grad()
    def after_epoch(self, runner):
        runner.model.eval()
        inter = torch.zeros(self.n_classes)
        union = torch.zeros(self.n_classes)
        for img, mask in self.loader:
            pred = runner.model(img).argmax(1)
            for c in range(self.n_classes):
                inter[c] += ((pred == c) & (mask == c)).sum()
                union[c] += ((pred == c) | (mask == c)).sum()
        miou = (inter / union.clamp(min=1)).mean().item()
        runner.metrics["mIoU"] = miou
        logger.info("epoch %d mIoU %.4f", runner.epoch, miou)


class Runner:
    def __init__(self, model, optimizer, loader, callbacks, max_epochs):
        self.model, self.optimizer, self.loader = model, optimizer, loader
        self.callbacks = callbacks
        self.max_epochs = max_epochs
        self.epoch = self.iter = 0
        self.outputs, self.metrics = {}, {}

    def call_hook(self, name):
        for cb in self.callbacks:
            getattr(cb, name)(self)

    def run(self):
        self.model.train()
        self.call_hook("before_run")
        for self.epoch in range(self.max_epochs):
            self.call_hook("before_epoch")
            for img, mask in self.loader:
                logits = self.model(img)
                loss = F.cross_entropy(logits, mask, ignore_index=255)
                self.optimizer.zero_grad()
                loss.backward()
                self.optimizer.step()
                self.outputs = {"loss": loss.item()}
                self.iter += 1
                self.call_hook("after_iter")
            self.call_hook("after_epoch")


def conv_bn(cin, cout):
    return nn.Sequential(nn.Conv2d(cin, cout, 3, padding=1, bias=False), nn.BatchNorm2d(cout), nn.ReLU(inplace=True))


class TinyUNet(nn.Module):
    def __init__(self, n_classes):
        super().__init__()
        self.enc1, self.enc2 = conv_bn(3, 32), conv_bn(32, 64)
        self.mid = nn.Sequential(conv_bn(64, 64), nn.Dropout2d(0.1))
        self.dec = conv_bn(64 + 32, 32)
        self.out = nn.Conv2d(32, n_classes, 1)

    def forward(self, x):
        e1 = self.enc1(x)
        e2 = self.mid(self.enc2(F.max_pool2d(e1, 2)))
        up = F.interpolate(e2, size=e1.shape[-2:], mode="bilinear", align_corners=False)
        return self.out(self.dec(torch.cat([up, e1], 1)))


def synthetic(n, n_classes, seed):
    g = torch.Generator().manual_seed(seed)
    img = torch.randn(n, 3, 64, 64, generator=g)
    mask = (img[:, 0] > 0).long() + (img[:, 1] > 0.5).long() * (n_classes - 2)
    return TensorDataset(img, mask.clamp(max=n_classes - 1))


if __name__ == "__main__":
    logging.basicConfig(level=logging.INFO)
    n_classes = 4
    train_loader = DataLoader(synthetic(800, n_classes, 0), batch_size=16, shuffle=True)
    val_loader = DataLoader(synthetic(160, n_classes, 1), batch_size=32)
    model = TinyUNet(n_classes)
    optimizer = torch.optim.SGD(model.parameters(), lr=0.01, momentum=0.9, weight_decay=1e-4)
    callbacks = [LoggerCallback(), EvalCallback(val_loader, n_classes)]
    Runner(model, optimizer, train_loader, callbacks, max_epochs=12).run()
