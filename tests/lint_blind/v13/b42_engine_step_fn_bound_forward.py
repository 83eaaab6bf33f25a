# expect: TVL013
# style: ignite-like Engine with a process function built by a factory, time-series anomaly autoencoder with DataParallel-style hooks
# bug: create_supervised_trainer stores forward_fn = model.forward and the process function calls forward_fn(x), so the model's __call__ (and its registered input-normalisation pre-hook) is bypassed
import logging

import torch
import torch.nn as nn
from torch.utils.data import DataLoader, TensorDataset

log = logging.getLogger("engine")


class Events:
    ITERATION_COMPLETED = "iteration_completed"
    EPOCH_COMPLETED = "epoch_completed"


class Engine:
    def __init__(self, process_fn):
        self.process_fn = process_fn
        self.handlers = {Events.ITERATION_COMPLETED: [], Events.EPOCH_COMPLETED: []}
        self.state = type("State", (), {})()

    def on(self, event):
        def deco(fn):
            self.handlers[event].append(fn)
            return fn
        return deco

    def _fire(self, event):
        for fn in self.handlers[event]:
            fn(self)

    def run(self, loader, max_epochs):
        self.state.iteration, self.state.epoch = 0, 0
        for self.state.epoch in range(1, max_epochs + 1):
            for batch in loader:
                self.state.output = self.process_fn(self, batch)
                self.state.iteration += 1
                self._fire(Events.ITERATION_COMPLETED)
            self._fire(Events.EPOCH_COMPLETED)


class ConvAE(nn.Module):
    def __init__(self, channels=8):
        super().__init__()
        self.enc = nn.Sequential(nn.Conv1d(channels, 32, 5, 2, 2), nn.ReLU(), nn.Conv1d(32, 16, 5, 2, 2), nn.ReLU())
        self.dec = nn.Sequential(nn.ConvTranspose1d(16, 32, 4, 2, 1), nn.ReLU(), nn.ConvTranspose1d(32, channels, 4, 2, 1))

    def forward(self, x):
        return self.dec(self.enc(x))


def add_input_norm(model, mean, std):
    def pre_hook(module, args):
        (x,) = args
        return ((x - mean) / std,)
    return model.register_forward_pre_hook(pre_hook)


def create_supervised_trainer(model, optimizer, loss_fn, device="cpu"):
    forward_fn = model.forward

    def _update(engine, batch):
        model.train()
        (x,) = batch
        x = x.to(device)
        optimizer.zero_grad()
        recon = forward_fn(x)
        loss = loss_fn(recon, (x - model.mean) / model.std)
        loss.backward()
        optimizer.step()
        return loss.item()

    return Engine(_update)


def main():
    logging.basicConfig(level=logging.INFO)
    sensors = torch.randn(4000, 8, 128) * 3.0 + 10.0
    mean, std = sensors.mean((0, 2), keepdim=True)[0], sensors.std((0, 2), keepdim=True)[0]
    model = ConvAE()
    model.mean, model.std = mean, std
    add_input_norm(model, mean, std)
    opt = torch.optim.Adam(model.parameters(), lr=1e-3)
    trainer = create_supervised_trainer(model, opt, nn.MSELoss())
    loader = DataLoader(TensorDataset(sensors), batch_size=64, shuffle=True)

    @trainer.on(Events.ITERATION_COMPLETED)
    def log_iter(engine):
        if engine.state.iteration % 50 == 0:
            log.info("epoch %d iter %d loss %.4f", engine.state.epoch, engine.state.iteration, engine.state.output)

    @trainer.on(Events.EPOCH_COMPLETED)
    def save(engine):
        torch.save(model.state_dict(), f"ae_epoch{engine.state.epoch}.pt")

    trainer.run(loader, max_epochs=10)

    model.eval()
    with torch.no_grad():
        err = ((model(sensors[:256]) - (sensors[:256] - mean) / std) ** 2).mean((1, 2))
    log.info("anomaly threshold (p99) %.4f", torch.quantile(err, 0.99).item())


if __name__ == "__main__":
    main()
