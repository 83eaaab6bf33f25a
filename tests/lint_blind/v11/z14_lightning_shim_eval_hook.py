# expect: TVL004
# style: small Lightning-like shim (LightningModule/Trainer) for a tabular model
# bug: the shim's Trainer calls module.eval() before the validation loop but never restores train mode, and training_step never does it either
import torch
import torch.nn as nn
import torch.nn.functional as F
from torch.utils.data import DataLoader, TensorDataset


class MiniModule(nn.Module):
    def training_step(self, batch, idx):
        raise NotImplementedError

    def validation_step(self, batch, idx):
        raise NotImplementedError

    def configure_optimizers(self):
        raise NotImplementedError


class MiniTrainer:
    def __init__(self, max_epochs=5, log_every=25):
        self.max_epochs, self.log_every = max_epochs, log_every
        self.metrics = {}

    def _val_loop(self, module, loader):
        module.eval()
        outs = []
        with torch.no_grad():
            for i, b in enumerate(loader):
                outs.append(module.validation_step(b, i))
        self.metrics["val_loss"] = float(torch.stack(outs).mean())

    def fit(self, module, train_loader, val_loader):
        opt = module.configure_optimizers()
        module.train()
        step = 0
        for epoch in range(self.max_epochs):
            for i, b in enumerate(train_loader):
                loss = module.training_step(b, i)
                opt.zero_grad()
                loss.backward()
                opt.step()
                step += 1
                if step % self.log_every == 0:
                    print(f"epoch {epoch} step {step} train_loss {loss.item():.4f}")
            self._val_loop(module, val_loader)
            print(f"epoch {epoch} val_loss {self.metrics['val_loss']:.4f}")


class ChurnModel(MiniModule):
    def __init__(self, n_feat=20):
        super().__init__()
        self.net = nn.Sequential(nn.Linear(n_feat, 64), nn.BatchNorm1d(64), nn.ReLU(),
                                 nn.Dropout(0.25), nn.Linear(64, 1))

    def forward(self, x):
        return self.net(x).squeeze(-1)

    def training_step(self, batch, idx):
        x, y = batch
        return F.binary_cross_entropy_with_logits(self(x), y)

    def validation_step(self, batch, idx):
        x, y = batch
        return F.binary_cross_entropy_with_logits(self(x), y)

    def configure_optimizers(self):
        return torch.optim.AdamW(self.parameters(), lr=2e-3)


if __name__ == "__main__":
    x = torch.randn(3000, 20)
    y = (x[:, 0] + 0.5 * x[:, 1] > 0).float()
    tl = DataLoader(TensorDataset(x[:2500], y[:2500]), batch_size=64, shuffle=True)
    vl = DataLoader(TensorDataset(x[2500:], y[2500:]), batch_size=256)
    MiniTrainer(max_epochs=6).fit(ChurnModel(), tl, vl)
