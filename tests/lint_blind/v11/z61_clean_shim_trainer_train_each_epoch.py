# expect: clean
# style: Lightning-like shim with an optimizer_step inside training and a validation loop that never steps
# note: the shim runs a validation loop with model.eval() after every epoch, but `fit` calls module.train() at the start of each epoch, and validation only computes metrics
import torch
import torch.nn as nn
import torch.nn.functional as F
from torch.utils.data import DataLoader, TensorDataset


class LitBase(nn.Module):
    def configure_optimizers(self):
        return torch.optim.Adam(self.parameters(), lr=1e-3)


class LitTrainer:
    def __init__(self, max_epochs=5):
        self.max_epochs = max_epochs
        self.logged = []

    def _train_epoch(self, module, loader, opt):
        module.train()
        for i, batch in enumerate(loader):
            loss = module.training_step(batch, i)
            opt.zero_grad()
            loss.backward()
            opt.step()

    @torch.no_grad()
    def _val_epoch(self, module, loader):
        module.eval()
        vals = [module.validation_step(b, i) for i, b in enumerate(loader)]
        return {k: sum(v[k] for v in vals) / len(vals) for k in vals[0]}

    def fit(self, module, train_loader, val_loader):
        opt = module.configure_optimizers()
        for epoch in range(self.max_epochs):
            self._train_epoch(module, train_loader, opt)
            metrics = self._val_epoch(module, val_loader)
            self.logged.append(metrics)
            print(f"epoch {epoch} " + " ".join(f"{k}={v:.4f}" for k, v in metrics.items()))


class WineQuality(LitBase):
    def __init__(self):
        super().__init__()
        self.net = nn.Sequential(nn.Linear(11, 64), nn.BatchNorm1d(64), nn.ReLU(), nn.Dropout(0.2), nn.Linear(64, 1))

    def forward(self, x):
        return self.net(x).squeeze(-1)

    def training_step(self, batch, idx):
        x, y = batch
        return F.mse_loss(self(x), y)

    def validation_step(self, batch, idx):
        x, y = batch
        pred = self(x)
        return {"val_mse": F.mse_loss(pred, y).item(), "val_mae": (pred - y).abs().mean().item()}


if __name__ == "__main__":
    x = torch.randn(1600, 11)
    y = x @ torch.randn(11) * 0.5 + 6.0
    tl = DataLoader(TensorDataset(x[:1300], y[:1300]), batch_size=64, shuffle=True)
    vl = DataLoader(TensorDataset(x[1300:], y[1300:]), batch_size=128)
    LitTrainer(max_epochs=6).fit(WineQuality(), tl, vl)
