# expect: TVL007
# style: callback-based training engine, super-resolution (generative image model)
# bug: LRSchedulerCallback steps a StepLR(step_size=30 epochs-style) in on_batch_end, so the LR decays by 10x every 30 batches instead of every 30 epochs.
import logging
import math

import torch
import torch.nn as nn
import torch.nn.functional as F
from torch.utils.data import DataLoader, TensorDataset

log = logging.getLogger("sr")


class Callback:
    def on_epoch_start(self, engine): pass
    def on_batch_end(self, engine): pass
    def on_epoch_end(self, engine): pass


class LRSchedulerCallback(Callback):
    def __init__(self, scheduler):
        self.scheduler = scheduler

    def on_batch_end(self, engine):
        self.scheduler.step()


class PSNRLogger(Callback):
    def on_epoch_start(self, engine):
        self.mse_sum, self.n = 0.0, 0

    def on_batch_end(self, engine):
        self.mse_sum += engine.state["mse"]
        self.n += 1

    def on_epoch_end(self, engine):
        mse = self.mse_sum / max(self.n, 1)
        log.info("epoch %d psnr %.2f dB lr %.2e", engine.epoch, 10 * math.log10(1.0 / max(mse, 1e-10)),
                 engine.optimizer.param_groups[0]["lr"])


class SRNet(nn.Module):
    def __init__(self, scale=2, feats=64, n_res=6):
        super().__init__()
        self.head = nn.Conv2d(3, feats, 3, padding=1)
        self.body = nn.Sequential(*[nn.Sequential(nn.Conv2d(feats, feats, 3, padding=1), nn.ReLU(True),
                                                  nn.Conv2d(feats, feats, 3, padding=1)) for _ in range(n_res)])
        self.up = nn.Sequential(nn.Conv2d(feats, 3 * scale ** 2, 3, padding=1), nn.PixelShuffle(scale))

    def forward(self, x):
        h = self.head(x)
        h = h + self.body(h)
        return self.up(h) + F.interpolate(x, scale_factor=2, mode="bicubic", align_corners=False)


class Engine:
    def __init__(self, model, optimizer, callbacks):
        self.model, self.optimizer, self.callbacks = model, optimizer, callbacks
        self.epoch = 0
        self.state = {}

    def fire(self, name):
        for cb in self.callbacks:
            getattr(cb, name)(self)

    def run(self, loader, epochs):
        self.model.train()
        for self.epoch in range(epochs):
            self.fire("on_epoch_start")
            for lr_img, hr_img in loader:
                sr = self.model(lr_img)
                loss = F.l1_loss(sr, hr_img)
                self.optimizer.zero_grad()
                loss.backward()
                self.optimizer.step()
                self.state = {"loss": loss.item(), "mse": F.mse_loss(sr.detach().clamp(0, 1), hr_img).item()}
                self.fire("on_batch_end")
            self.fire("on_epoch_end")


if __name__ == "__main__":
    logging.basicConfig(level=logging.INFO)
    hr = torch.rand(800, 3, 64, 64)
    lr = F.interpolate(hr, scale_factor=0.5, mode="bicubic", align_corners=False).clamp(0, 1)
    loader = DataLoader(TensorDataset(lr, hr), batch_size=16, shuffle=True, num_workers=2)
    model = SRNet()
    opt = torch.optim.Adam(model.parameters(), lr=2e-4, betas=(0.9, 0.99))
    sched = torch.optim.lr_scheduler.StepLR(opt, step_size=30, gamma=0.5)
    Engine(model, opt, [LRSchedulerCallback(sched), PSNRLogger()]).run(loader, epochs=100)
