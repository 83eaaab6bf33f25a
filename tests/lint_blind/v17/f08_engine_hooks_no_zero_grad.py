# expect: TVL003
# style: detectron2-like engine with hook objects, keypoint heatmap regression
# bug: SimpleTrainer.run_step computes loss.backward() and the OptimizerHook.after_backward calls optimizer.step(), but nothing in the engine or hooks ever zeroes gradients, so they accumulate across iterations.
import logging
import time
from collections import defaultdict

import torch
import torch.nn as nn
import torch.nn.functional as F
from torch.utils.data import DataLoader, Dataset

logger = logging.getLogger("engine")


class HookBase:
    trainer = None

    def before_train(self): pass
    def before_step(self): pass
    def after_backward(self): pass
    def after_step(self): pass
    def after_train(self): pass


class OptimizerHook(HookBase):
    def __init__(self, max_norm=None):
        self.max_norm = max_norm

    def after_backward(self):
        if self.max_norm:
            nn.utils.clip_grad_norm_(self.trainer.model.parameters(), self.max_norm)
        self.trainer.optimizer.step()


class LoggerHook(HookBase):
    def __init__(self, period=20):
        self.period = period
        self.t0 = None

    def before_train(self):
        self.t0 = time.time()

    def after_step(self):
        it = self.trainer.iter
        if it % self.period == 0:
            stats = {k: sum(v[-self.period:]) / len(v[-self.period:]) for k, v in self.trainer.storage.items()}
            logger.info("iter %d %s (%.1fs)", it, stats, time.time() - self.t0)


class SimpleTrainer:
    def __init__(self, model, loader, optimizer, hooks):
        self.model, self.loader, self.optimizer = model, loader, optimizer
        self.hooks = []
        for h in hooks:
            h.trainer = self
            self.hooks.append(h)
        self.storage = defaultdict(list)
        self.iter = 0

    def _call(self, name):
        for h in self.hooks:
            getattr(h, name)()

    def run_step(self, batch):
        images, heatmaps = batch
        pred = self.model(images)
        loss = F.mse_loss(pred, heatmaps)
        loss.backward()
        self._call("after_backward")
        self.storage["loss"].append(loss.item())

    def train(self, max_iter):
        self.model.train()
        self._call("before_train")
        data_iter = iter(self.loader)
        while self.iter < max_iter:
            try:
                batch = next(data_iter)
            except StopIteration:
                data_iter = iter(self.loader)
                batch = next(data_iter)
            self._call("before_step")
            self.run_step(batch)
            self._call("after_step")
            self.iter += 1
        self._call("after_train")


class HeatmapDataset(Dataset):
    def __init__(self, n=1000, k=17, size=64):
        self.n, self.k, self.size = n, k, size

    def __len__(self):
        return self.n

    def __getitem__(self, i):
        g = torch.Generator().manual_seed(i)
        img = torch.randn(3, self.size, self.size, generator=g)
        hm = torch.zeros(self.k, self.size // 4, self.size // 4)
        xy = torch.randint(0, self.size // 4, (self.k, 2), generator=g)
        hm[torch.arange(self.k), xy[:, 1], xy[:, 0]] = 1.0
        return img, hm


class TinyHRNet(nn.Module):
    def __init__(self, k=17, c=48):
        super().__init__()
        self.stem = nn.Sequential(nn.Conv2d(3, c, 3, 2, 1), nn.BatchNorm2d(c), nn.ReLU(),
                                  nn.Conv2d(c, c, 3, 2, 1), nn.BatchNorm2d(c), nn.ReLU())
        self.body = nn.Sequential(*[nn.Sequential(nn.Conv2d(c, c, 3, 1, 1), nn.BatchNorm2d(c), nn.ReLU())
                                    for _ in range(4)])
        self.head = nn.Conv2d(c, k, 1)

    def forward(self, x):
        return self.head(self.body(self.stem(x)))


def build_trainer(cfg):
    model = TinyHRNet(cfg["num_keypoints"])
    loader = DataLoader(HeatmapDataset(k=cfg["num_keypoints"]), batch_size=cfg["batch_size"], shuffle=True)
    optimizer = torch.optim.Adam(model.parameters(), lr=cfg["lr"])
    hooks = [OptimizerHook(max_norm=cfg.get("clip")), LoggerHook(cfg["log_period"])]
    return SimpleTrainer(model, loader, optimizer, hooks)


if __name__ == "__main__":
    logging.basicConfig(level=logging.INFO)
    cfg = dict(num_keypoints=17, batch_size=32, lr=1e-3, clip=1.0, log_period=25, max_iter=500)
    trainer = build_trainer(cfg)
    trainer.train(cfg["max_iter"])
    torch.save(trainer.model.state_dict(), "tiny_hrnet.pth")
