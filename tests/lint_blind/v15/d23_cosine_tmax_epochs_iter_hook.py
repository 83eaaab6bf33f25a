# expect: TVL007
# style: callback-based training loop for a contrastive (SimCLR-like) encoder; LR callback fires after every iteration
# bug: CosineAnnealingLR is built with T_max=epochs, but LRSchedulerCallback.on_batch_end() steps it after every batch, so the cosine completes (and restarts) every `epochs` iterations instead of once over training
import argparse
import logging
import math

import torch
import torch.nn as nn
import torch.nn.functional as F
from torch.utils.data import DataLoader, TensorDataset

log = logging.getLogger("simclr")


class Callback:
    def on_train_begin(self, state): ...
    def on_epoch_begin(self, state): ...
    def on_batch_end(self, state): ...
    def on_epoch_end(self, state): ...


class LRSchedulerCallback(Callback):
    def __init__(self, scheduler):
        self.scheduler = scheduler

    def on_batch_end(self, state):
        self.scheduler.step()
        state["lr"] = self.scheduler.get_last_lr()[0]


class LoggingCallback(Callback):
    def __init__(self, every=50):
        self.every = every

    def on_batch_end(self, state):
        if state["step"] % self.every == 0:
            log.info("step %d loss %.4f lr %.5f", state["step"], state["loss"], state.get("lr", float("nan")))

    def on_epoch_end(self, state):
        log.info("epoch %d mean loss %.4f", state["epoch"], state["epoch_loss"])


def augment(x):
    noise = 0.1 * torch.randn_like(x)
    mask = (torch.rand(x.size(0), 1, x.size(2), x.size(3), device=x.device) > 0.1).float()
    flip = torch.rand(x.size(0), device=x.device) < 0.5
    x = torch.where(flip[:, None, None, None], x.flip(3), x)
    return x * mask + noise


class Encoder(nn.Module):
    def __init__(self, dim=128):
        super().__init__()
        self.conv = nn.Sequential(
            nn.Conv2d(3, 32, 3, 1, 1), nn.BatchNorm2d(32), nn.ReLU(), nn.MaxPool2d(2),
            nn.Conv2d(32, 64, 3, 1, 1), nn.BatchNorm2d(64), nn.ReLU(), nn.MaxPool2d(2),
            nn.Conv2d(64, 128, 3, 1, 1), nn.BatchNorm2d(128), nn.ReLU(), nn.AdaptiveAvgPool2d(1), nn.Flatten(),
        )
        self.proj = nn.Sequential(nn.Linear(128, 256), nn.ReLU(), nn.Linear(256, dim))

    def forward(self, x):
        return self.proj(self.conv(x))


def nt_xent(z1, z2, tau=0.2):
    z = F.normalize(torch.cat([z1, z2]), dim=1)
    sim = z @ z.t() / tau
    n = z1.size(0)
    sim.fill_diagonal_(float("-inf"))
    targets = torch.cat([torch.arange(n, 2 * n), torch.arange(0, n)]).to(z.device)
    return F.cross_entropy(sim, targets)


def fit(model, loader, optimizer, epochs, callbacks, device):
    state = {"step": 0}
    for cb in callbacks:
        cb.on_train_begin(state)
    for epoch in range(epochs):
        model.train()
        state["epoch"] = epoch
        total = 0.0
        for cb in callbacks:
            cb.on_epoch_begin(state)
        for (x,) in loader:
            x = x.to(device)
            loss = nt_xent(model(augment(x)), model(augment(x)))
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
            state["step"] += 1
            state["loss"] = loss.item()
            total += state["loss"]
            for cb in callbacks:
                cb.on_batch_end(state)
        state["epoch_loss"] = total / len(loader)
        for cb in callbacks:
            cb.on_epoch_end(state)
    return state


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--epochs", type=int, default=100)
    ap.add_argument("--lr", type=float, default=0.3)
    ap.add_argument("--batch-size", type=int, default=256)
    args = ap.parse_args()
    logging.basicConfig(level=logging.INFO)
    device = "cuda" if torch.cuda.is_available() else "cpu"

    images = torch.randn(10000, 3, 32, 32)
    loader = DataLoader(TensorDataset(images), batch_size=args.batch_size, shuffle=True, drop_last=True)
    model = Encoder().to(device)
    lr = args.lr * args.batch_size / 256
    optimizer = torch.optim.SGD(model.parameters(), lr=lr, momentum=0.9, weight_decay=1e-6)
    scheduler = torch.optim.lr_scheduler.CosineAnnealingLR(optimizer, T_max=args.epochs, eta_min=lr * 1e-3)
    callbacks = [LRSchedulerCallback(scheduler), LoggingCallback()]
    final = fit(model, loader, optimizer, args.epochs, callbacks, device)
    log.info("finished at step %d, lr %.6f (%.1f%% of base)", final["step"], final["lr"],
             100 * final["lr"] / lr if not math.isnan(final["lr"]) else float("nan"))
    torch.save(model.state_dict(), "simclr_encoder.pt")


if __name__ == "__main__":
    main()
