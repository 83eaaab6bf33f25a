# expect: clean
# style: Lightning-like framework shim (LightningModule/Trainer written by hand), anomaly detection on tabular telemetry with a VAE
# note: the module only returns the loss from training_step; the Trainer shim does zero_grad -> backward -> step in order, calls scheduler.step() per epoch, and switches train/eval around validation
import logging

import torch
import torch.nn as nn
import torch.nn.functional as F
from torch.utils.data import DataLoader, TensorDataset

log = logging.getLogger("shim")


class LightningModuleLite(nn.Module):
    def training_step(self, batch, batch_idx):
        raise NotImplementedError

    def validation_step(self, batch, batch_idx):
        return {}

    def configure_optimizers(self):
        raise NotImplementedError


class TrainerLite:
    def __init__(self, max_epochs=10, log_every_n_steps=50):
        self.max_epochs = max_epochs
        self.log_every = log_every_n_steps
        self.global_step = 0

    def fit(self, module, train_dataloaders, val_dataloaders=None):
        conf = module.configure_optimizers()
        opt, sched = conf["optimizer"], conf.get("lr_scheduler")
        for epoch in range(self.max_epochs):
            module.train()
            for i, batch in enumerate(train_dataloaders):
                loss = module.training_step(batch, i)
                opt.zero_grad()
                loss.backward()
                opt.step()
                self.global_step += 1
                if self.global_step % self.log_every == 0:
                    log.info("epoch %d step %d loss %.4f", epoch, self.global_step, loss.item())
            if sched is not None:
                sched.step()
            if val_dataloaders is not None:
                module.eval()
                with torch.no_grad():
                    outs = [module.validation_step(b, i) for i, b in enumerate(val_dataloaders)]
                module.train()
                log.info("epoch %d val_loss %.4f", epoch, sum(o["val_loss"] for o in outs) / len(outs))


class TelemetryVAE(LightningModuleLite):
    def __init__(self, d=40, z=8, lr=1e-3):
        super().__init__()
        self.enc = nn.Sequential(nn.Linear(d, 128), nn.ReLU(), nn.Linear(128, 2 * z))
        self.dec = nn.Sequential(nn.Linear(z, 128), nn.ReLU(), nn.Linear(128, d))
        self.lr = lr

    def forward(self, x):
        mu, logvar = self.enc(x).chunk(2, -1)
        z = mu + torch.randn_like(mu) * (0.5 * logvar).exp()
        return self.dec(z), mu, logvar

    def _loss(self, x):
        rec, mu, logvar = self(x)
        kld = -0.5 * (1 + logvar - mu ** 2 - logvar.exp()).sum(-1).mean()
        return F.mse_loss(rec, x, reduction="none").sum(-1).mean() + 0.1 * kld

    def training_step(self, batch, batch_idx):
        (x,) = batch
        return self._loss(x)

    def validation_step(self, batch, batch_idx):
        (x,) = batch
        return {"val_loss": self._loss(x).item()}

    def configure_optimizers(self):
        opt = torch.optim.Adam(self.parameters(), lr=self.lr)
        return {"optimizer": opt, "lr_scheduler": torch.optim.lr_scheduler.StepLR(opt, step_size=10, gamma=0.5)}


if __name__ == "__main__":
    logging.basicConfig(level=logging.INFO)
    data = torch.randn(20000, 40)
    train = DataLoader(TensorDataset(data[:18000]), batch_size=256, shuffle=True)
    val = DataLoader(TensorDataset(data[18000:]), batch_size=1024)
    model = TelemetryVAE()
    TrainerLite(max_epochs=30).fit(model, train, val)
    torch.save(model.state_dict(), "telemetry_vae.pt")
