# expect: clean
# style: Lightning-like LightningModule + minimal Trainer shim, tabular regression (insurance charges)
# note: the module's validation_step has no model.train() anywhere near it, but the shim's fit loop calls module.eval() before validation and module.train() again before the next training epoch
import logging

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F
from torch.utils.data import DataLoader, TensorDataset

log = logging.getLogger("shim")


class LitModule(nn.Module):
    def training_step(self, batch, batch_idx):
        raise NotImplementedError

    def validation_step(self, batch, batch_idx):
        raise NotImplementedError

    def configure_optimizers(self):
        raise NotImplementedError


class MiniTrainer:
    def __init__(self, max_epochs, log_every=50):
        self.max_epochs = max_epochs
        self.log_every = log_every

    def fit(self, module, train_loader, val_loader):
        opt, sched = module.configure_optimizers()
        for epoch in range(self.max_epochs):
            module.train()
            for i, batch in enumerate(train_loader):
                loss = module.training_step(batch, i)
                opt.zero_grad()
                loss.backward()
                opt.step()
                if i % self.log_every == 0:
                    log.info("epoch %d batch %d train_loss %.4f", epoch, i, loss.item())
            sched.step()
            module.eval()
            with torch.no_grad():
                outs = [module.validation_step(b, i) for i, b in enumerate(val_loader)]
            log.info("epoch %d val_mae %.2f", epoch, float(np.mean(outs)))


class ChargesRegressor(LitModule):
    def __init__(self, d_in, lr=1e-3):
        super().__init__()
        self.net = nn.Sequential(nn.Linear(d_in, 128), nn.ReLU(), nn.Dropout(0.1), nn.Linear(128, 64), nn.ReLU(),
                                 nn.Linear(64, 1))
        self.lr = lr

    def forward(self, x):
        return self.net(x).squeeze(-1)

    def training_step(self, batch, batch_idx):
        x, y = batch
        return F.huber_loss(self(x), y, delta=1.0)

    def validation_step(self, batch, batch_idx):
        x, y = batch
        return (torch.expm1(self(x)) - torch.expm1(y)).abs().mean().item()

    def configure_optimizers(self):
        opt = torch.optim.Adam(self.parameters(), lr=self.lr)
        return opt, torch.optim.lr_scheduler.StepLR(opt, step_size=10, gamma=0.5)


if __name__ == "__main__":
    logging.basicConfig(level=logging.INFO)
    rng = np.random.default_rng(4)
    n = 8000
    age = rng.integers(18, 65, n)
    bmi = rng.normal(30, 6, n)
    smoker = rng.random(n) < 0.2
    children = rng.integers(0, 5, n)
    charges = 2000 + 250 * age + 300 * np.maximum(bmi - 30, 0) + 20000 * smoker + rng.normal(0, 2000, n)
    X = np.stack([(age - 40) / 14, (bmi - 30) / 6, smoker.astype(float), children / 4], 1).astype(np.float32)
    y = np.log1p(np.clip(charges, 100, None)).astype(np.float32)
    train = TensorDataset(torch.from_numpy(X[:7000]), torch.from_numpy(y[:7000]))
    val = TensorDataset(torch.from_numpy(X[7000:]), torch.from_numpy(y[7000:]))
    MiniTrainer(max_epochs=40).fit(ChargesRegressor(4), DataLoader(train, batch_size=64, shuffle=True),
                                   DataLoader(val, batch_size=500))
