# expect: clean
# style: engine with hook objects for human pose heatmap regression; LR scheduler owned by a hook
# note: a MultiStepLR with milestones in epochs lives in a hook, where per-iteration stepping bugs hide — LRHook steps it in after_epoch() (once per epoch), and only the warmup factor is applied per iteration in before_iter()
import argparse
import logging

import torch
import torch.nn as nn
import torch.nn.functional as F
from torch.utils.data import DataLoader, TensorDataset

log = logging.getLogger("pose")


class Hook:
    def before_iter(self, engine): ...
    def after_iter(self, engine): ...
    def after_epoch(self, engine): ...


class LRHook(Hook):
    def __init__(self, milestones, gamma=0.1, warmup_iters=300):
        self.milestones, self.gamma, self.warmup_iters = milestones, gamma, warmup_iters
        self.scheduler = None
        self.base_lrs = None

    def bind(self, optimizer):
        self.scheduler = torch.optim.lr_scheduler.MultiStepLR(optimizer, milestones=self.milestones, gamma=self.gamma)
        self.base_lrs = [g["lr"] for g in optimizer.param_groups]

    def before_iter(self, engine):
        if engine.iter < self.warmup_iters:
            f = 0.001 + (1 - 0.001) * engine.iter / self.warmup_iters
            for g, lr in zip(engine.optimizer.param_groups, self.base_lrs):
                g["lr"] = lr * f

    def after_epoch(self, engine):
        self.scheduler.step()


class LogHook(Hook):
    def after_iter(self, engine):
        if engine.iter % 100 == 0:
            log.info("epoch %d iter %d loss %.5f lr %.2e", engine.epoch, engine.iter, engine.last_loss,
                     engine.optimizer.param_groups[0]["lr"])


class Engine:
    def __init__(self, model, optimizer, hooks):
        self.model, self.optimizer, self.hooks = model, optimizer, hooks
        self.iter, self.epoch, self.last_loss = 0, 0, 0.0

    def _call(self, name):
        for h in self.hooks:
            getattr(h, name)(self)

    def run(self, loader, val_loader, epochs):
        for self.epoch in range(epochs):
            self.model.train()
            for img, hm in loader:
                self._call("before_iter")
                loss = F.mse_loss(self.model(img), hm)
                self.optimizer.zero_grad()
                loss.backward()
                self.optimizer.step()
                self.last_loss = loss.item()
                self.iter += 1
                self._call("after_iter")
            self._call("after_epoch")
            log.info("epoch %d PCK %.4f", self.epoch, self.pck(val_loader))

    @torch.no_grad()
    def pck(self, loader, thr=2.0):
        self.model.eval()
        hit, n = 0, 0
        for img, hm in loader:
            pred = self.model(img)
            W = pred.size(-1)
            pi, ti = pred.flatten(2).argmax(-1), hm.flatten(2).argmax(-1)
            d = torch.sqrt(((pi // W - ti // W) ** 2 + (pi % W - ti % W) ** 2).float())
            hit += (d < thr).sum().item()
            n += d.numel()
        return hit / n


def pose_net(k=8):
    return nn.Sequential(
        nn.Conv2d(3, 32, 3, 2, 1), nn.BatchNorm2d(32), nn.ReLU(),
        nn.Conv2d(32, 64, 3, 2, 1), nn.BatchNorm2d(64), nn.ReLU(),
        nn.Conv2d(64, 64, 3, 1, 1), nn.BatchNorm2d(64), nn.ReLU(),
        nn.Conv2d(64, k, 1),
    )


def synth(n, seed, k=8):
    g = torch.Generator().manual_seed(seed)
    img = torch.rand(n, 3, 64, 64, generator=g) * 0.2
    hm = torch.zeros(n, k, 16, 16)
    ys, xs = torch.randint(0, 16, (n, k), generator=g), torch.randint(0, 16, (n, k), generator=g)
    yy, xx = torch.meshgrid(torch.arange(16.0), torch.arange(16.0), indexing="ij")
    hm = torch.exp(-((yy - ys[..., None, None]) ** 2 + (xx - xs[..., None, None]) ** 2) / 2.0)
    for j in range(k):
        img[torch.arange(n), j % 3, ys[:, j] * 4, xs[:, j] * 4] += 1.0
    return TensorDataset(img, hm)


if __name__ == "__main__":
    ap = argparse.ArgumentParser()
    ap.add_argument("--epochs", type=int, default=30)
    a = ap.parse_args()
    logging.basicConfig(level=logging.INFO)
    model = pose_net()
    opt = torch.optim.Adam(model.parameters(), lr=1e-3)
    lr_hook = LRHook(milestones=[20, 26])
    lr_hook.bind(opt)
    engine = Engine(model, opt, [lr_hook, LogHook()])
    engine.run(DataLoader(synth(3000, 0), batch_size=32, shuffle=True), DataLoader(synth(300, 1), batch_size=100), a.epochs)
    torch.save(model.state_dict(), "pose.pt")
