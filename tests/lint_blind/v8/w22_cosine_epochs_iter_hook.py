# expect: TVL007
# style: callback/hook runner, contrastive self-supervised pretraining (SimCLR-like) on small images
# bug: CosineAnnealingLR is built with T_max=args.epochs but the LRSchedulerHook steps it in after_iter, so the cosine completes (and restarts) every `epochs` iterations
import argparse
import math

import torch
import torch.nn as nn
import torch.nn.functional as F
from torch.utils.data import DataLoader, TensorDataset


def augment(x):
    if torch.rand(1).item() < 0.5:
        x = x.flip(-1)
    x = x + 0.1 * torch.randn_like(x)
    i, j = torch.randint(0, 8, (2,)).tolist()
    x = F.pad(x, (4, 4, 4, 4), mode="reflect")[..., i:i + 32, j:j + 32]
    return x


class Encoder(nn.Module):
    def __init__(self, dim=128, proj=64):
        super().__init__()
        self.net = nn.Sequential(
            nn.Conv2d(3, 64, 3, padding=1), nn.BatchNorm2d(64), nn.ReLU(),
            nn.Conv2d(64, 128, 3, stride=2, padding=1), nn.BatchNorm2d(128), nn.ReLU(),
            nn.Conv2d(128, 256, 3, stride=2, padding=1), nn.BatchNorm2d(256), nn.ReLU(),
            nn.AdaptiveAvgPool2d(1), nn.Flatten(), nn.Linear(256, dim))
        self.projector = nn.Sequential(nn.Linear(dim, dim), nn.ReLU(), nn.Linear(dim, proj))

    def forward(self, x):
        return self.projector(self.net(x))


def nt_xent(z1, z2, tau=0.2):
    z = F.normalize(torch.cat([z1, z2]), dim=1)
    sim = z @ z.t() / tau
    n = z1.size(0)
    sim.fill_diagonal_(float("-inf"))
    targets = torch.cat([torch.arange(n, 2 * n), torch.arange(0, n)]).to(z.device)
    return F.cross_entropy(sim, targets)


class Hook:
    def before_epoch(self, r): pass
    def after_iter(self, r): pass
    def after_epoch(self, r): pass


class LRSchedulerHook(Hook):
    def __init__(self, scheduler):
        self.scheduler = scheduler

    def after_iter(self, r):
        self.scheduler.step()


class TextLoggerHook(Hook):
    def after_epoch(self, r):
        print(f"epoch {r.epoch} loss {r.epoch_loss / max(r.iters_in_epoch, 1):.4f} "
              f"lr {r.optimizer.param_groups[0]['lr']:.4e}")


class Runner:
    def __init__(self, model, optimizer, loader, hooks, device):
        self.model, self.optimizer, self.loader = model, optimizer, loader
        self.hooks, self.device = hooks, device
        self.epoch = 0

    def _call(self, name):
        for h in self.hooks:
            getattr(h, name)(self)

    def train(self, epochs):
        for self.epoch in range(epochs):
            self.model.train()
            self.epoch_loss, self.iters_in_epoch = 0.0, 0
            self._call("before_epoch")
            for (x,) in self.loader:
                x = x.to(self.device)
                loss = nt_xent(self.model(augment(x)), self.model(augment(x)))
                self.optimizer.zero_grad()
                loss.backward()
                self.optimizer.step()
                self.epoch_loss += loss.item()
                self.iters_in_epoch += 1
                self._call("after_iter")
            self._call("after_epoch")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--epochs", type=int, default=100)
    ap.add_argument("--bs", type=int, default=256)
    ap.add_argument("--base-lr", type=float, default=0.3)
    args = ap.parse_args()
    device = "cuda" if torch.cuda.is_available() else "cpu"

    images = torch.rand(10000, 3, 32, 32)
    loader = DataLoader(TensorDataset(images), batch_size=args.bs, shuffle=True, drop_last=True)
    model = Encoder().to(device)
    lr = args.base_lr * args.bs / 256
    optimizer = torch.optim.SGD(model.parameters(), lr=lr, momentum=0.9, weight_decay=1e-6)
    scheduler = torch.optim.lr_scheduler.CosineAnnealingLR(optimizer, T_max=args.epochs, eta_min=lr * 1e-3)
    runner = Runner(model, optimizer, loader, [LRSchedulerHook(scheduler), TextLoggerHook()], device)
    runner.train(args.epochs)
    torch.save(model.net.state_dict(), f"simclr_encoder_{int(math.log2(args.bs))}.pt")


if __name__ == "__main__":
    main()
