# expect: clean
# style: hand-written Lightning-like MiniTrainer driving a LightningModule-style class (image denoising autoencoder)
# note: the module's training_step never calls zero_grad/backward/step and validation_step calls no train(), which would be bugs in a plain loop — the MiniTrainer does zero_grad -> backward -> step for every batch and toggles module.eval()/module.train() around the validation loop
import argparse
import logging

import torch
import torch.nn as nn
import torch.nn.functional as F
from torch.utils.data import DataLoader, TensorDataset

log = logging.getLogger("mini_pl")


class MiniModule(nn.Module):
    def training_step(self, batch, batch_idx):
        raise NotImplementedError

    def validation_step(self, batch, batch_idx):
        raise NotImplementedError

    def configure_optimizers(self):
        raise NotImplementedError

    def log(self, name, value):
        self._logged = getattr(self, "_logged", {})
        self._logged[name] = float(value)


class MiniTrainer:
    def __init__(self, max_epochs, gradient_clip_val=None):
        self.max_epochs = max_epochs
        self.clip = gradient_clip_val

    def fit(self, module, train_dataloaders, val_dataloaders):
        cfg = module.configure_optimizers()
        opt, sched = cfg["optimizer"], cfg.get("lr_scheduler")
        for epoch in range(self.max_epochs):
            module.train()
            for i, batch in enumerate(train_dataloaders):
                opt.zero_grad(set_to_none=True)
                loss = module.training_step(batch, i)
                loss.backward()
                if self.clip:
                    nn.utils.clip_grad_norm_(module.parameters(), self.clip)
                opt.step()
            if sched is not None:
                sched.step()
            module.eval()
            with torch.no_grad():
                outs = [module.validation_step(b, i) for i, b in enumerate(val_dataloaders)]
            module.train()
            log.info("epoch %d train_loss %.4f val_loss %.4f", epoch, module._logged.get("train_loss", float("nan")),
                     sum(outs) / len(outs))


class DenoisingAE(MiniModule):
    def __init__(self, lr=1e-3, noise=0.3):
        super().__init__()
        self.lr, self.noise = lr, noise
        self.enc = nn.Sequential(nn.Conv2d(1, 32, 3, 2, 1), nn.ReLU(), nn.Conv2d(32, 64, 3, 2, 1), nn.ReLU())
        self.dec = nn.Sequential(nn.ConvTranspose2d(64, 32, 4, 2, 1), nn.ReLU(), nn.ConvTranspose2d(32, 1, 4, 2, 1))
        self.dropout = nn.Dropout2d(0.1)

    def forward(self, x):
        return self.dec(self.dropout(self.enc(x)))

    def training_step(self, batch, batch_idx):
        (x,) = batch
        noisy = x + self.noise * torch.randn_like(x)
        loss = F.mse_loss(self(noisy), x)
        self.log("train_loss", loss.item())
        return loss

    def validation_step(self, batch, batch_idx):
        (x,) = batch
        noisy = x + self.noise * torch.randn_like(x)
        return F.mse_loss(self(noisy), x).item()

    def configure_optimizers(self):
        opt = torch.optim.Adam(self.parameters(), lr=self.lr)
        return {"optimizer": opt, "lr_scheduler": torch.optim.lr_scheduler.StepLR(opt, step_size=10, gamma=0.3)}


if __name__ == "__main__":
    ap = argparse.ArgumentParser()
    ap.add_argument("--max-epochs", type=int, default=25)
    a = ap.parse_args()
    logging.basicConfig(level=logging.INFO)
    torch.manual_seed(0)
    imgs = torch.rand(5000, 1, 28, 28)
    train_dl = DataLoader(TensorDataset(imgs[:4500]), batch_size=64, shuffle=True)
    val_dl = DataLoader(TensorDataset(imgs[4500:]), batch_size=256)
    model = DenoisingAE()
    MiniTrainer(a.max_epochs, gradient_clip_val=1.0).fit(model, train_dl, val_dl)
    torch.save(model.state_dict(), "dae.pt")
