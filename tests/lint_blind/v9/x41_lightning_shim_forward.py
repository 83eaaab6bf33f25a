# expect: TVL013
# style: hand-written Lightning-like shim (LightningModule/Trainer) for tabular churn prediction
# bug: ChurnModule.training_step calls self.net.forward(x) instead of self.net(x), bypassing module hooks (the Trainer registers a forward pre-hook for input casting/normalisation on net).
import os
import random
import logging

import torch
import torch.nn as nn
import torch.nn.functional as F
from torch.utils.data import DataLoader, TensorDataset


def seed_everything(seed: int = 42) -> None:
    """Best-effort reproducibility (cudnn autotuning left on for speed)."""
    random.seed(seed)
    os.environ["PYTHONHASHSEED"] = str(seed)
    torch.manual_seed(seed)
    if torch.cuda.is_available():
        torch.cuda.manual_seed_all(seed)

log = logging.getLogger("churn")


class LightningModuleShim(nn.Module):
    def training_step(self, batch, batch_idx):
        raise NotImplementedError

    def validation_step(self, batch, batch_idx):
        return None

    def configure_optimizers(self):
        raise NotImplementedError


class MiniTrainer:
    def __init__(self, max_epochs=5, feature_mean=None, feature_std=None):
        self.max_epochs = max_epochs
        self.mean, self.std = feature_mean, feature_std

    def _normalize_hook(self, module, args):
        (x,) = args
        return ((x.float() - self.mean) / self.std,)

    def fit(self, module, train_loader, val_loader=None):
        module.net.register_forward_pre_hook(self._normalize_hook)
        opt = module.configure_optimizers()
        for epoch in range(self.max_epochs):
            module.train()
            for i, batch in enumerate(train_loader):
                loss = module.training_step(batch, i)
                opt.zero_grad()
                loss.backward()
                opt.step()
            if val_loader is not None:
                module.eval()
                with torch.no_grad():
                    accs = [module.validation_step(b, i) for i, b in enumerate(val_loader)]
                log.info("epoch %d val_acc %.4f", epoch, sum(accs) / len(accs))


class ChurnModule(LightningModuleShim):
    def __init__(self, n_features, lr=1e-3):
        super().__init__()
        self.lr = lr
        self.net = nn.Sequential(nn.Linear(n_features, 64), nn.ReLU(), nn.Dropout(0.2), nn.Linear(64, 1))

    def training_step(self, batch, batch_idx):
        x, y = batch
        logits = self.net.forward(x).squeeze(-1)
        return F.binary_cross_entropy_with_logits(logits, y)

    def validation_step(self, batch, batch_idx):
        x, y = batch
        pred = (self.net(x).squeeze(-1) > 0).float()
        return (pred == y).float().mean().item()

    def configure_optimizers(self):
        return torch.optim.Adam(self.parameters(), lr=self.lr)


if __name__ == "__main__":
    seed_everything(int(os.environ.get("SEED", 42)))
    logging.basicConfig(level=logging.INFO)
    X = torch.randn(9000, 20) * 50 + 100
    y = ((X[:, 0] - 100) + 0.3 * (X[:, 3] - 100) > 0).float()
    mean, std = X[:7000].mean(0), X[:7000].std(0)
    tr = DataLoader(TensorDataset(X[:7000], y[:7000]), batch_size=128, shuffle=True)
    va = DataLoader(TensorDataset(X[7000:], y[7000:]), batch_size=512)
    MiniTrainer(max_epochs=8, feature_mean=mean, feature_std=std).fit(ChurnModule(20), tr, va)
