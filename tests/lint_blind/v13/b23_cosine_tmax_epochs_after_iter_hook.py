# expect: TVL007
# style: engine with hook classes (detectron2-like), contrastive self-supervised pretraining (SimCLR-ish)
# bug: LRSchedulerHook steps a CosineAnnealingLR whose T_max is the number of epochs in after_iter, i.e. once per batch
import logging

import torch
import torch.nn as nn
import torch.nn.functional as F
from torch.utils.data import DataLoader, TensorDataset

logger = logging.getLogger("ssl")


class HookBase:
    def before_train(self): pass
    def after_iter(self): pass
    def after_epoch(self): pass


class LRSchedulerHook(HookBase):
    def __init__(self, optimizer, scheduler):
        self.optimizer, self.scheduler = optimizer, scheduler

    def after_iter(self):
        self.trainer.storage["lr"] = self.optimizer.param_groups[0]["lr"]
        self.scheduler.step()


class PeriodicLogger(HookBase):
    def __init__(self, period=20):
        self.period = period

    def after_iter(self):
        s = self.trainer.storage
        if self.trainer.iter % self.period == 0:
            logger.info("iter %d loss %.4f lr %.2e", self.trainer.iter, s["loss"], s.get("lr", 0.0))


class Checkpointer(HookBase):
    def after_epoch(self):
        torch.save(self.trainer.model.state_dict(), f"simclr_ep{self.trainer.epoch}.pt")


def augment(x):
    x = x + 0.1 * torch.randn_like(x)
    if torch.rand(()) < 0.5:
        x = x.flip(-1)
    return x


def nt_xent(z1, z2, tau=0.2):
    z = F.normalize(torch.cat([z1, z2]), dim=1)
    sim = z @ z.t() / tau
    sim.fill_diagonal_(float("-inf"))
    n = z1.size(0)
    targets = torch.cat([torch.arange(n, 2 * n), torch.arange(0, n)]).to(z.device)
    return F.cross_entropy(sim, targets)


class SimCLR(nn.Module):
    def __init__(self, dim=128):
        super().__init__()
        self.enc = nn.Sequential(nn.Conv2d(3, 64, 3, 2, 1), nn.BatchNorm2d(64), nn.ReLU(),
                                 nn.Conv2d(64, 128, 3, 2, 1), nn.BatchNorm2d(128), nn.ReLU(),
                                 nn.AdaptiveAvgPool2d(1), nn.Flatten())
        self.proj = nn.Sequential(nn.Linear(128, 256), nn.ReLU(), nn.Linear(256, dim))

    def forward(self, x):
        return self.proj(self.enc(x))


class SimpleTrainer:
    def __init__(self, model, loader, optimizer, hooks):
        self.model, self.loader, self.optimizer = model, loader, optimizer
        self.hooks = hooks
        for h in hooks:
            h.trainer = self
        self.iter, self.epoch = 0, 0
        self.storage = {}

    def run_step(self, batch):
        (x,) = batch
        loss = nt_xent(self.model(augment(x)), self.model(augment(x)))
        self.optimizer.zero_grad()
        loss.backward()
        self.optimizer.step()
        self.storage["loss"] = loss.item()

    def train(self, max_epochs):
        for h in self.hooks:
            h.before_train()
        self.model.train()
        for self.epoch in range(max_epochs):
            for batch in self.loader:
                self.run_step(batch)
                for h in self.hooks:
                    h.after_iter()
                self.iter += 1
            for h in self.hooks:
                h.after_epoch()


def main(epochs=100, lr=0.3, bs=256):
    logging.basicConfig(level=logging.INFO)
    loader = DataLoader(TensorDataset(torch.rand(10000, 3, 32, 32)), batch_size=bs, shuffle=True, drop_last=True)
    model = SimCLR()
    opt = torch.optim.SGD(model.parameters(), lr=lr, momentum=0.9, weight_decay=1e-6)
    sched = torch.optim.lr_scheduler.CosineAnnealingLR(opt, T_max=epochs, eta_min=1e-4)
    trainer = SimpleTrainer(model, loader, opt, [LRSchedulerHook(opt, sched), PeriodicLogger(), Checkpointer()])
    trainer.train(epochs)


if __name__ == "__main__":
    main()
