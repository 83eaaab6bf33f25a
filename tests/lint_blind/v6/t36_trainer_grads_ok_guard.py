# expect: TVL011
# style: Lightning-like LightningModule-ish class with a manual optimization loop, time-series anomaly autoencoder
# bug: Trainer._optimizer_step() checks _grads_are_finite() and simply returns without stepping when any gradient is inf/NaN; the skip is never counted or logged.
import torch
import torch.nn as nn
import torch.nn.functional as F
from torch.utils.data import DataLoader, TensorDataset


class ConvAutoencoder(nn.Module):
    def __init__(self, channels=8, hidden=32):
        super().__init__()
        self.enc = nn.Sequential(
            nn.Conv1d(channels, hidden, 7, padding=3), nn.ReLU(),
            nn.Conv1d(hidden, hidden, 7, stride=2, padding=3), nn.ReLU(),
        )
        self.dec = nn.Sequential(
            nn.ConvTranspose1d(hidden, hidden, 4, stride=2, padding=1), nn.ReLU(),
            nn.Conv1d(hidden, channels, 7, padding=3),
        )

    def forward(self, x):
        return self.dec(self.enc(x))


class AnomalyModule(nn.Module):
    def __init__(self):
        super().__init__()
        self.ae = ConvAutoencoder()

    def training_step(self, batch):
        (x,) = batch
        recon = self.ae(x)
        return F.mse_loss(recon, x)

    def configure_optimizers(self):
        return torch.optim.Adam(self.parameters(), lr=1e-3)


class Trainer:
    def __init__(self, max_epochs=20, log_every=50):
        self.max_epochs = max_epochs
        self.log_every = log_every
        self.global_step = 0

    @staticmethod
    def _grads_are_finite(module):
        return all(torch.isfinite(p.grad).all() for p in module.parameters() if p.grad is not None)

    def _optimizer_step(self, module, optimizer):
        if not self._grads_are_finite(module):
            return
        optimizer.step()

    def fit(self, module, loader):
        optimizer = module.configure_optimizers()
        for epoch in range(self.max_epochs):
            module.train()
            for batch in loader:
                optimizer.zero_grad()
                loss = module.training_step(batch)
                loss.backward()
                self._optimizer_step(module, optimizer)
                self.global_step += 1
                if self.global_step % self.log_every == 0:
                    print(f"epoch {epoch} step {self.global_step} loss {loss.item():.5f}")


if __name__ == "__main__":
    windows = torch.randn(5000, 8, 128)
    windows[::97] *= 1e6  # a few corrupted sensor windows
    loader = DataLoader(TensorDataset(windows), batch_size=64, shuffle=True)
    Trainer(max_epochs=5).fit(AnomalyModule(), loader)
