# expect: TVL007
# style: hook-based engine (ignite-like) for a VAE on synthetic images
# bug: CosineAnnealingLR is created with T_max=max_epochs but the LRSchedulerHandler is attached to ITERATION_COMPLETED, so the cosine period ends after max_epochs iterations and then oscillates.
import logging
from collections import defaultdict

import torch
import torch.nn as nn
import torch.nn.functional as F
from torch.utils.data import DataLoader, TensorDataset

log = logging.getLogger("vae")


class Events:
    ITERATION_COMPLETED = "iteration_completed"
    EPOCH_COMPLETED = "epoch_completed"


class Engine:
    def __init__(self, process_fn):
        self.process_fn = process_fn
        self.handlers = defaultdict(list)
        self.state = type("State", (), {"epoch": 0, "iteration": 0, "output": None})()

    def add_event_handler(self, event, fn):
        self.handlers[event].append(fn)

    def _fire(self, event):
        for fn in self.handlers[event]:
            fn(self)

    def run(self, loader, max_epochs):
        for self.state.epoch in range(max_epochs):
            for batch in loader:
                self.state.output = self.process_fn(self, batch)
                self.state.iteration += 1
                self._fire(Events.ITERATION_COMPLETED)
            self._fire(Events.EPOCH_COMPLETED)


class LRSchedulerHandler:
    def __init__(self, scheduler):
        self.scheduler = scheduler

    def __call__(self, engine):
        self.scheduler.step()


class VAE(nn.Module):
    def __init__(self, d_in=784, h=400, z=20):
        super().__init__()
        self.enc = nn.Sequential(nn.Linear(d_in, h), nn.ReLU())
        self.mu = nn.Linear(h, z)
        self.logvar = nn.Linear(h, z)
        self.dec = nn.Sequential(nn.Linear(z, h), nn.ReLU(), nn.Linear(h, d_in))

    def forward(self, x):
        h = self.enc(x)
        mu, logvar = self.mu(h), self.logvar(h)
        z = mu + torch.randn_like(mu) * (0.5 * logvar).exp()
        return self.dec(z), mu, logvar


def elbo_loss(recon_logits, x, mu, logvar):
    bce = F.binary_cross_entropy_with_logits(recon_logits, x, reduction="sum")
    kld = -0.5 * torch.sum(1 + logvar - mu.pow(2) - logvar.exp())
    return (bce + kld) / x.size(0)


def main(max_epochs=50):
    model = VAE()
    optimizer = torch.optim.Adam(model.parameters(), lr=1e-3)
    scheduler = torch.optim.lr_scheduler.CosineAnnealingLR(optimizer, T_max=max_epochs, eta_min=1e-5)

    def train_step(engine, batch):
        (x,) = batch
        model.train()
        optimizer.zero_grad()
        recon, mu, logvar = model(x)
        loss = elbo_loss(recon, x, mu, logvar)
        loss.backward()
        optimizer.step()
        return loss.item()

    trainer = Engine(train_step)
    trainer.add_event_handler(Events.ITERATION_COMPLETED, LRSchedulerHandler(scheduler))
    trainer.add_event_handler(
        Events.EPOCH_COMPLETED,
        lambda e: log.info("epoch %d loss %.3f lr %.2e", e.state.epoch, e.state.output, optimizer.param_groups[0]["lr"]),
    )
    data = (torch.rand(6000, 784) > 0.5).float()
    trainer.run(DataLoader(TensorDataset(data), batch_size=128, shuffle=True), max_epochs=max_epochs)


if __name__ == "__main__":
    logging.basicConfig(level=logging.INFO)
    main()
