# expect: clean
# style: Lightning-like module with a metrics dict that re-wraps .item() values into tensors, image denoising autoencoder
# note: training_step builds torch.tensor(loss.item()) and numpy PSNR values, which looks like cutting the graph, but those re-wrapped values only go to the logger; the returned loss is the graph-connected tensor
import logging
import math

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F
from torch.utils.data import DataLoader, TensorDataset

log = logging.getLogger("dae")


class DenoisingAE(nn.Module):
    def __init__(self, c=64):
        super().__init__()
        self.enc = nn.Sequential(nn.Conv2d(1, c, 3, 2, 1), nn.ReLU(), nn.Conv2d(c, 2 * c, 3, 2, 1), nn.ReLU())
        self.dec = nn.Sequential(nn.ConvTranspose2d(2 * c, c, 4, 2, 1), nn.ReLU(), nn.ConvTranspose2d(c, 1, 4, 2, 1))

    def forward(self, x):
        return self.dec(self.enc(x))


class LitDAE:
    def __init__(self, lr=1e-3, sigma=0.2):
        self.model = DenoisingAE()
        self.sigma = sigma
        self.lr = lr
        self.logged = {}

    def log_dict(self, d):
        for k, v in d.items():
            self.logged.setdefault(k, []).append(float(v))

    def training_step(self, batch):
        (clean,) = batch
        noisy = clean + self.sigma * torch.randn_like(clean)
        recon = self.model(noisy)
        loss = F.mse_loss(recon, clean)
        mse_np = ((recon.detach().cpu().numpy() - clean.cpu().numpy()) ** 2).mean(axis=(1, 2, 3))
        psnr = torch.from_numpy(10 * np.log10(1.0 / np.maximum(mse_np, 1e-10)))
        self.log_dict({"train_loss": torch.tensor(loss.item()), "train_psnr": psnr.mean()})
        return loss

    def configure_optimizers(self):
        opt = torch.optim.Adam(self.model.parameters(), lr=self.lr)
        return opt, torch.optim.lr_scheduler.StepLR(opt, step_size=10, gamma=0.5)


def fit(lit, loader, val_loader, epochs):
    opt, sched = lit.configure_optimizers()
    for epoch in range(epochs):
        lit.model.train()
        for batch in loader:
            loss = lit.training_step(batch)
            opt.zero_grad()
            loss.backward()
            opt.step()
        sched.step()
        lit.model.eval()
        with torch.no_grad():
            mses = []
            for (clean,) in val_loader:
                recon = lit.model(clean + lit.sigma * torch.randn_like(clean))
                mses.append(F.mse_loss(recon, clean).item())
        lit.model.train()
        n = len(loader)
        log.info("epoch %d loss %.5f psnr %.2f val psnr %.2f", epoch, np.mean(lit.logged["train_loss"][-n:]),
                 np.mean(lit.logged["train_psnr"][-n:]), 10 * math.log10(1.0 / np.mean(mses)))


if __name__ == "__main__":
    logging.basicConfig(level=logging.INFO)
    train_loader = DataLoader(TensorDataset(torch.rand(6000, 1, 28, 28)), batch_size=128, shuffle=True)
    val_loader = DataLoader(TensorDataset(torch.rand(1000, 1, 28, 28)), batch_size=256)
    lit = LitDAE()
    fit(lit, train_loader, val_loader, epochs=30)
    torch.save(lit.model.state_dict(), "dae.pt")
