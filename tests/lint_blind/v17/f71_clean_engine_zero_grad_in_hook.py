# expect: clean
# style: detectron2-like engine with hooks where gradient clearing lives in the OptimizerHook (same shape as a buggy engine)
# note: SimpleTrainer.run_step never calls zero_grad itself, but OptimizerHook.before_step clears the gradients before every forward/backward; the MultiStepLR stepped by LRHook every iteration has its milestones given in iterations (detectron2-style), so per-iteration stepping is intended.
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


class OptimizerHook(HookBase):
    def __init__(self, max_norm=None):
        self.max_norm = max_norm

    def before_step(self):
        self.trainer.optimizer.zero_grad(set_to_none=True)

    def after_backward(self):
        if self.max_norm:
            nn.utils.clip_grad_norm_(self.trainer.model.parameters(), self.max_norm)
        self.trainer.optimizer.step()


class LRHook(HookBase):
    def __init__(self, scheduler):
        self.scheduler = scheduler

    def after_step(self):
        self.scheduler.step()


class PeriodicLogger(HookBase):
    def __init__(self, period):
        self.period, self.t0 = period, None

    def before_train(self):
        self.t0 = time.time()

    def after_step(self):
        st = self.trainer.storage
        if self.trainer.iter % self.period == 0:
            logger.info("iter %d loss %.4f lr %.2e (%.0fs)", self.trainer.iter, sum(st["loss"][-self.period:]) /
                        len(st["loss"][-self.period:]), self.trainer.optimizer.param_groups[0]["lr"], time.time() - self.t0)


class SimpleTrainer:
    def __init__(self, model, loader, optimizer, hooks):
        self.model, self.loader, self.optimizer = model, loader, optimizer
        self.hooks = hooks
        for h in hooks:
            h.trainer = self
        self.storage = defaultdict(list)
        self.iter = 0

    def _call(self, name):
        for h in self.hooks:
            getattr(h, name)()

    def run_step(self, batch):
        img, mask = batch
        loss = F.binary_cross_entropy_with_logits(self.model(img), mask)
        loss.backward()
        self._call("after_backward")
        self.storage["loss"].append(loss.item())

    def train(self, max_iter):
        self.model.train()
        self._call("before_train")
        it = iter(self.loader)
        while self.iter < max_iter:
            try:
                batch = next(it)
            except StopIteration:
                it = iter(self.loader)
                batch = next(it)
            self._call("before_step")
            self.run_step(batch)
            self._call("after_step")
            self.iter += 1


class Nuclei(Dataset):
    def __init__(self, n=800, size=64):
        self.n, self.size = n, size

    def __len__(self):
        return self.n

    def __getitem__(self, i):
        g = torch.Generator().manual_seed(i)
        mask = (torch.rand(1, self.size // 8, self.size // 8, generator=g) > 0.7).float()
        mask = F.interpolate(mask[None], size=self.size)[0]
        return mask * 0.8 + 0.2 * torch.randn(1, self.size, self.size, generator=g), mask


def build(cfg):
    model = nn.Sequential(nn.Conv2d(1, 32, 3, padding=1), nn.ReLU(), nn.Conv2d(32, 32, 3, padding=1), nn.ReLU(),
                          nn.Conv2d(32, 1, 1))
    loader = DataLoader(Nuclei(), batch_size=cfg["bs"], shuffle=True)
    opt = torch.optim.SGD(model.parameters(), lr=cfg["lr"], momentum=0.9)
    sched = torch.optim.lr_scheduler.MultiStepLR(opt, milestones=cfg["steps"], gamma=0.1)  # milestones in iterations
    return SimpleTrainer(model, loader, opt, [OptimizerHook(1.0), LRHook(sched), PeriodicLogger(50)])


if __name__ == "__main__":
    logging.basicConfig(level=logging.INFO)
    cfg = dict(bs=16, lr=0.01, steps=[600, 800], max_iter=1000)
    t = build(cfg)
    t.train(cfg["max_iter"])
    torch.save(t.model.state_dict(), "nuclei_seg.pth")
