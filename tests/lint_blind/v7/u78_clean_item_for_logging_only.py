# expect: clean
# style: Trainer class that converts values to Python floats/numpy in a metrics method, fraud detection tabular binary classification
# note: logits go through .detach().cpu().numpy() and loss.item() in _metrics(), which looks like TVL002, but the loss that is backpropagated is built from the live logits before any of that; the numpy copies are only used for AUC and logging.
import logging

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F
from sklearn.metrics import roc_auc_score
from torch.utils.data import DataLoader, TensorDataset

log = logging.getLogger("fraud")


class FraudMLP(nn.Module):
    def __init__(self, d=30):
        super().__init__()
        self.net = nn.Sequential(nn.Linear(d, 64), nn.ReLU(), nn.BatchNorm1d(64), nn.Linear(64, 32), nn.ReLU(),
                                 nn.Linear(32, 1))

    def forward(self, x):
        return self.net(x).squeeze(-1)


class Trainer:
    def __init__(self, model, pos_weight, lr=1e-3):
        self.model = model
        self.opt = torch.optim.Adam(model.parameters(), lr=lr)
        self.pos_weight = torch.tensor(pos_weight)
        self.buffer = {"scores": [], "labels": [], "losses": []}

    def _metrics(self, logits, y, loss):
        self.buffer["scores"].append(torch.sigmoid(logits).detach().cpu().numpy())
        self.buffer["labels"].append(y.cpu().numpy())
        self.buffer["losses"].append(loss.item())

    def _flush(self):
        s, l = np.concatenate(self.buffer["scores"]), np.concatenate(self.buffer["labels"])
        out = {"loss": float(np.mean(self.buffer["losses"])), "auc": roc_auc_score(l, s) if l.min() != l.max() else float("nan")}
        self.buffer = {"scores": [], "labels": [], "losses": []}
        return out

    def train_epoch(self, loader):
        self.model.train()
        for x, y in loader:
            logits = self.model(x)
            loss = F.binary_cross_entropy_with_logits(logits, y, pos_weight=self.pos_weight)
            self.opt.zero_grad()
            loss.backward()
            self.opt.step()
            self._metrics(logits, y, loss)
        return self._flush()

    @torch.no_grad()
    def evaluate(self, loader):
        self.model.eval()
        for x, y in loader:
            logits = self.model(x)
            self._metrics(logits, y, F.binary_cross_entropy_with_logits(logits, y))
        self.model.train()
        return self._flush()


if __name__ == "__main__":
    logging.basicConfig(level=logging.INFO)
    X = torch.randn(30000, 30)
    y = (torch.rand(30000) < 0.02).float()
    X[y.bool(), :3] += 2
    train_dl = DataLoader(TensorDataset(X[:25000], y[:25000]), batch_size=512, shuffle=True)
    val_dl = DataLoader(TensorDataset(X[25000:], y[25000:]), batch_size=2048)
    trainer = Trainer(FraudMLP(), pos_weight=49.0)
    for epoch in range(10):
        tr = trainer.train_epoch(train_dl)
        va = trainer.evaluate(val_dl)
        log.info("epoch %d train %s val %s", epoch, tr, va)
