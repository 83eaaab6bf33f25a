# expect: TVL001
# style: lightning-like module shim, multi-task tabular regression/classification
# bug: _shared_step is decorated with torch.no_grad() (added for validation) and training_step reuses it, so only the uncertainty weights get gradients
import logging
import math

import torch
import torch.nn as nn
import torch.nn.functional as F
from torch.utils.data import DataLoader, TensorDataset

log = logging.getLogger("mtl")
logging.basicConfig(level=logging.INFO)


class UncertaintyWeighting(nn.Module):
    """Kendall et al. homoscedastic weighting of several task losses."""

    def __init__(self, n_tasks):
        super().__init__()
        self.log_vars = nn.Parameter(torch.zeros(n_tasks))

    def forward(self, losses):
        total = 0.0
        for i, l in enumerate(losses):
            total = total + torch.exp(-self.log_vars[i]) * l + self.log_vars[i]
        return total


class TabularMTL(nn.Module):
    def __init__(self, n_features, n_classes, hidden=128):
        super().__init__()
        self.trunk = nn.Sequential(
            nn.Linear(n_features, hidden), nn.ReLU(), nn.Dropout(0.1),
            nn.Linear(hidden, hidden), nn.ReLU(),
        )
        self.cls_head = nn.Linear(hidden, n_classes)
        self.reg_head = nn.Linear(hidden, 1)

    def forward(self, x):
        h = self.trunk(x)
        return self.cls_head(h), self.reg_head(h).squeeze(-1)


class MTLModule:
    def __init__(self, n_features, n_classes, lr=1e-3):
        self.model = TabularMTL(n_features, n_classes)
        self.weighting = UncertaintyWeighting(2)
        self.lr = lr

    def configure_optimizers(self):
        params = list(self.model.parameters()) + list(self.weighting.parameters())
        return torch.optim.AdamW(params, lr=self.lr, weight_decay=1e-4)

    @torch.no_grad()
    def _shared_step(self, batch):
        x, y_cls, y_reg = batch
        logits, reg = self.model(x)
        l_cls = F.cross_entropy(logits, y_cls)
        l_reg = F.mse_loss(reg, y_reg)
        acc = (logits.argmax(-1) == y_cls).float().mean()
        return l_cls, l_reg, acc

    def training_step(self, batch):
        l_cls, l_reg, acc = self._shared_step(batch)
        loss = self.weighting([l_cls, l_reg])
        return loss, {"cls": l_cls.item(), "reg": l_reg.item(), "acc": acc.item()}

    def validation_step(self, batch):
        l_cls, l_reg, acc = self._shared_step(batch)
        return {"val_cls": l_cls.item(), "val_reg": l_reg.item(), "val_acc": acc.item()}


def synthetic(n=4000, d=24, k=5):
    x = torch.randn(n, d)
    w = torch.randn(d, k)
    y_cls = (x @ w).argmax(-1)
    y_reg = x[:, :3].sum(-1) + 0.1 * torch.randn(n)
    return TensorDataset(x, y_cls, y_reg)


def fit(module, train_loader, val_loader, epochs=10):
    opt = module.configure_optimizers()
    for epoch in range(epochs):
        module.model.train()
        for step, batch in enumerate(train_loader):
            loss, logs = module.training_step(batch)
            opt.zero_grad()
            loss.backward()
            opt.step()
            if step % 20 == 0:
                log.info("epoch %d step %d loss %.4f %s", epoch, step, loss.item(), logs)
        module.model.eval()
        agg, n = {}, 0
        for batch in val_loader:
            out = module.validation_step(batch)
            for k, v in out.items():
                agg[k] = agg.get(k, 0.0) + v
            n += 1
        log.info("epoch %d %s", epoch, {k: round(v / max(n, 1), 4) for k, v in agg.items()})
        sigmas = torch.exp(0.5 * module.weighting.log_vars).tolist()
        log.info("task sigmas %s", [round(s, 3) for s in sigmas])


if __name__ == "__main__":
    torch.manual_seed(0)
    full = synthetic()
    n_val = int(0.2 * len(full))
    train_ds, val_ds = torch.utils.data.random_split(full, [len(full) - n_val, n_val])
    train_loader = DataLoader(train_ds, batch_size=128, shuffle=True)
    val_loader = DataLoader(val_ds, batch_size=256)
    module = MTLModule(n_features=24, n_classes=5)
    fit(module, train_loader, val_loader, epochs=int(math.ceil(8)))
