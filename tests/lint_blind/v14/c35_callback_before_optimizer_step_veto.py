# expect: TVL011
# style: Lightning-like loop shim with callbacks that can veto optimizer steps, contrastive SimCLR pretraining
# bug: NaNGuardCallback.on_before_optimizer_step returns False for non-finite gradients and the loop silently skips the step; the skip is never counted or logged
import logging

import torch
import torch.nn as nn
import torch.nn.functional as F
from torch.utils.data import DataLoader, TensorDataset

log = logging.getLogger("simclr")


class Callback:
    def on_train_batch_end(self, loop, loss): pass

    def on_before_optimizer_step(self, loop) -> bool:
        return True

    def on_epoch_end(self, loop): pass


class NaNGuardCallback(Callback):
    def on_before_optimizer_step(self, loop):
        for p in loop.module.parameters():
            if p.grad is not None and not torch.isfinite(p.grad).all():
                return False
        return True


class ProgressCallback(Callback):
    def __init__(self):
        self.losses = []

    def on_train_batch_end(self, loop, loss):
        self.losses.append(loss)

    def on_epoch_end(self, loop):
        log.info("epoch %d nt-xent %.4f lr %.2e", loop.epoch, sum(self.losses) / max(len(self.losses), 1),
                 loop.optimizer.param_groups[0]["lr"])
        self.losses.clear()


class SimCLR(nn.Module):
    def __init__(self, dim=128):
        super().__init__()
        self.encoder = nn.Sequential(
            nn.Conv2d(3, 32, 3, 2, 1), nn.BatchNorm2d(32), nn.ReLU(),
            nn.Conv2d(32, 64, 3, 2, 1), nn.BatchNorm2d(64), nn.ReLU(),
            nn.Conv2d(64, 128, 3, 2, 1), nn.BatchNorm2d(128), nn.ReLU(),
            nn.AdaptiveAvgPool2d(1), nn.Flatten())
        self.projector = nn.Sequential(nn.Linear(128, 256), nn.ReLU(), nn.Linear(256, dim))

    def forward(self, x):
        return self.projector(self.encoder(x))


def augment(x):
    flip = torch.rand(x.size(0), 1, 1, 1) < 0.5
    x = torch.where(flip, x.flip(-1), x)
    x = x * (0.6 + 0.8 * torch.rand(x.size(0), 3, 1, 1))
    return x + 0.05 * torch.randn_like(x)


def nt_xent(z1, z2, tau=0.2):
    z = F.normalize(torch.cat([z1, z2]), dim=1)
    sim = z @ z.t() / tau
    sim.fill_diagonal_(float("-inf"))
    n = z1.size(0)
    targets = torch.cat([torch.arange(n, 2 * n), torch.arange(0, n)])
    return F.cross_entropy(sim, targets)


class Loop:
    def __init__(self, module, optimizer, callbacks, max_epochs):
        self.module, self.optimizer = module, optimizer
        self.callbacks = callbacks
        self.max_epochs = max_epochs
        self.epoch = 0

    def _may_step(self):
        return all(cb.on_before_optimizer_step(self) for cb in self.callbacks)

    def fit(self, loader):
        for self.epoch in range(self.max_epochs):
            self.module.train()
            for (x,) in loader:
                loss = nt_xent(self.module(augment(x)), self.module(augment(x)))
                self.optimizer.zero_grad()
                loss.backward()
                if self._may_step():
                    self.optimizer.step()
                for cb in self.callbacks:
                    cb.on_train_batch_end(self, loss.item())
            for cb in self.callbacks:
                cb.on_epoch_end(self)


if __name__ == "__main__":
    logging.basicConfig(level=logging.INFO)
    images = torch.rand(4096, 3, 32, 32)
    loader = DataLoader(TensorDataset(images), batch_size=256, shuffle=True, drop_last=True)
    model = SimCLR()
    opt = torch.optim.SGD(model.parameters(), lr=0.3, momentum=0.9, weight_decay=1e-6)
    Loop(model, opt, [NaNGuardCallback(), ProgressCallback()], max_epochs=50).fit(loader)
    torch.save(model.encoder.state_dict(), "simclr_encoder.pt")
