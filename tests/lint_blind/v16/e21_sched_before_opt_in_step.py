# expect: TVL007
# style: detection-style engine (detectron2-like) with a SimpleTrainer.run_step, keypoint heatmap regression
# bug: run_step advances the warmup/multistep scheduler before calling optimizer.step(), so the first LR value is skipped and every step runs one schedule position ahead
import logging
import time

import torch
import torch.nn as nn
import torch.nn.functional as F
from torch.utils.data import DataLoader, TensorDataset

logger = logging.getLogger("engine")


class HeatmapNet(nn.Module):
    def __init__(self, n_kpts=17):
        super().__init__()
        self.backbone = nn.Sequential(
            nn.Conv2d(3, 32, 3, 2, 1), nn.BatchNorm2d(32), nn.ReLU(),
            nn.Conv2d(32, 64, 3, 2, 1), nn.BatchNorm2d(64), nn.ReLU(),
            nn.Conv2d(64, 128, 3, 1, 1), nn.BatchNorm2d(128), nn.ReLU())
        self.head = nn.Conv2d(128, n_kpts, 1)

    def forward(self, x):
        return self.head(self.backbone(x))


def warmup_multistep(optimizer, warmup_iters, milestones, gamma=0.1, warmup_factor=0.001):
    def fn(it):
        if it < warmup_iters:
            alpha = it / warmup_iters
            return warmup_factor * (1 - alpha) + alpha
        return gamma ** sum(it >= m for m in milestones)
    return torch.optim.lr_scheduler.LambdaLR(optimizer, fn)


class SimpleTrainer:
    def __init__(self, model, loader, optimizer, scheduler, max_iter):
        self.model, self.loader, self.optimizer, self.scheduler = model, loader, optimizer, scheduler
        self.max_iter = max_iter
        self.iter = 0
        self._data_iter = iter(loader)

    def _next_batch(self):
        try:
            return next(self._data_iter)
        except StopIteration:
            self._data_iter = iter(self.loader)
            return next(self._data_iter)

    def run_step(self):
        self.model.train()
        t0 = time.perf_counter()
        images, heatmaps = self._next_batch()
        data_time = time.perf_counter() - t0
        pred = self.model(images)
        loss_dict = {"loss_heatmap": F.mse_loss(pred, heatmaps) * 1000}
        losses = sum(loss_dict.values())
        self.optimizer.zero_grad()
        losses.backward()
        self.scheduler.step()
        self.optimizer.step()
        return {k: v.item() for k, v in loss_dict.items()}, data_time

    def train(self):
        logger.info("Starting training from iteration %d", self.iter)
        while self.iter < self.max_iter:
            metrics, dt = self.run_step()
            if self.iter % 20 == 0:
                logger.info("iter %d %s lr %.5f data %.3fs", self.iter, metrics,
                            self.optimizer.param_groups[0]["lr"], dt)
            if (self.iter + 1) % 500 == 0:
                torch.save({"model": self.model.state_dict(), "iter": self.iter}, f"model_{self.iter:07d}.pth")
            self.iter += 1


def build_loader():
    images = torch.randn(1024, 3, 128, 128)
    heatmaps = torch.rand(1024, 17, 32, 32) * 0.01
    return DataLoader(TensorDataset(images, heatmaps), batch_size=16, shuffle=True, drop_last=True, num_workers=2)


if __name__ == "__main__":
    logging.basicConfig(level=logging.INFO)
    model = HeatmapNet()
    optimizer = torch.optim.SGD(model.parameters(), lr=0.02, momentum=0.9, weight_decay=1e-4)
    scheduler = warmup_multistep(optimizer, warmup_iters=200, milestones=(1200, 1600))
    SimpleTrainer(model, build_loader(), optimizer, scheduler, max_iter=2000).train()
