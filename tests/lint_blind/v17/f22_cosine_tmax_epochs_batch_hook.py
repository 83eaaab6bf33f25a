# expect: TVL007
# style: Lightning-like LightningModule shim with configure_optimizers and a minimal Trainer, VAE on images
# bug: configure_optimizers builds CosineAnnealingLR with T_max=max_epochs, but the shim Trainer steps every scheduler in on_train_batch_end, so the cosine completes within the first few dozen batches and then oscillates.
import math

import torch
import torch.nn as nn
import torch.nn.functional as F
from torch.utils.data import DataLoader, TensorDataset


class MiniModule(nn.Module):
    def training_step(self, batch, batch_idx):
        raise NotImplementedError

    def validation_step(self, batch, batch_idx):
        return None

    def configure_optimizers(self):
        raise NotImplementedError


class MiniTrainer:
    def __init__(self, max_epochs, log_every=50):
        self.max_epochs = max_epochs
        self.log_every = log_every
        self.global_step = 0

    def on_train_batch_end(self, schedulers):
        for s in schedulers:
            s.step()

    def fit(self, module, train_dl, val_dl=None):
        optimizer, schedulers = module.configure_optimizers()
        for epoch in range(self.max_epochs):
            module.train()
            for i, batch in enumerate(train_dl):
                loss = module.training_step(batch, i)
                optimizer.zero_grad()
                loss.backward()
                optimizer.step()
                self.on_train_batch_end(schedulers)
                if self.global_step % self.log_every == 0:
                    print(f"step {self.global_step} loss {loss.item():.3f} lr {optimizer.param_groups[0]['lr']:.2e}")
                self.global_step += 1
            if val_dl is not None:
                module.eval()
                with torch.no_grad():
                    vals = [module.validation_step(b, i) for i, b in enumerate(val_dl)]
                module.train()
                print(f"epoch {epoch} val_elbo {sum(vals) / len(vals):.3f}")


class ConvVAE(MiniModule):
    def __init__(self, z=32, lr=1e-3, max_epochs=30, beta=1.0):
        super().__init__()
        self.enc = nn.Sequential(
            nn.Conv2d(1, 32, 4, 2, 1), nn.ReLU(),
            nn.Conv2d(32, 64, 4, 2, 1), nn.ReLU(), nn.Flatten(),
            nn.Linear(64 * 7 * 7, 256), nn.ReLU(),
        )
        self.mu, self.logvar = nn.Linear(256, z), nn.Linear(256, z)
        self.dec = nn.Sequential(
            nn.Linear(z, 64 * 7 * 7), nn.ReLU(), nn.Unflatten(1, (64, 7, 7)),
            nn.ConvTranspose2d(64, 32, 4, 2, 1), nn.ReLU(),
            nn.ConvTranspose2d(32, 1, 4, 2, 1),
        )
        self.lr, self.max_epochs, self.beta = lr, max_epochs, beta

    def forward(self, x):
        h = self.enc(x)
        mu, logvar = self.mu(h), self.logvar(h)
        zs = mu + torch.randn_like(mu) * (0.5 * logvar).exp()
        return self.dec(zs), mu, logvar

    def _elbo(self, x):
        recon, mu, logvar = self(x)
        rec = F.binary_cross_entropy_with_logits(recon, x, reduction="sum") / x.size(0)
        kl = -0.5 * torch.sum(1 + logvar - mu.pow(2) - logvar.exp()) / x.size(0)
        return rec + self.beta * kl

    def training_step(self, batch, batch_idx):
        (x,) = batch
        return self._elbo(x)

    def validation_step(self, batch, batch_idx):
        (x,) = batch
        return self._elbo(x).item()

    def configure_optimizers(self):
        opt = torch.optim.Adam(self.parameters(), lr=self.lr)
        sched = torch.optim.lr_scheduler.CosineAnnealingLR(opt, T_max=self.max_epochs, eta_min=self.lr * 0.01)
        return opt, [sched]


if __name__ == "__main__":
    torch.manual_seed(0)
    imgs = (torch.rand(10000, 1, 28, 28) > 0.7).float()
    train_dl = DataLoader(TensorDataset(imgs[:9000]), batch_size=128, shuffle=True)
    val_dl = DataLoader(TensorDataset(imgs[9000:]), batch_size=512)
    epochs = 30
    vae = ConvVAE(max_epochs=epochs)
    MiniTrainer(max_epochs=epochs).fit(vae, train_dl, val_dl)
    torch.save(vae.state_dict(), "conv_vae.pt")
