# expect: clean
# style: sklearn-like estimator wrapper around a torch model (fit/predict_proba), binary click prediction
# note: the model class has a sigmoid-producing predict_proba() next to BCEWithLogitsLoss, but fit() trains on forward() logits and predict_proba() is only used for inference
import logging

import numpy as np
import torch
import torch.nn as nn
from sklearn.metrics import roc_auc_score
from torch.utils.data import DataLoader, TensorDataset

log = logging.getLogger("clicks")


class WideDeep(nn.Module):
    def __init__(self, n_wide, n_deep, hidden=(256, 128)):
        super().__init__()
        self.wide = nn.Linear(n_wide, 1)
        layers, prev = [], n_deep
        for h in hidden:
            layers += [nn.Linear(prev, h), nn.ReLU(), nn.Dropout(0.2)]
            prev = h
        layers.append(nn.Linear(prev, 1))
        self.deep = nn.Sequential(*layers)

    def forward(self, wide_x, deep_x):
        return (self.wide(wide_x) + self.deep(deep_x)).squeeze(-1)

    @torch.no_grad()
    def predict_proba(self, wide_x, deep_x):
        was = self.training
        self.eval()
        p = torch.sigmoid(self(wide_x, deep_x))
        self.train(was)
        return p


class TorchClickEstimator:
    def __init__(self, n_wide, n_deep, lr=1e-3, epochs=5, batch_size=1024):
        self.model = WideDeep(n_wide, n_deep)
        self.criterion = nn.BCEWithLogitsLoss()
        self.opt = torch.optim.Adam(self.model.parameters(), lr=lr)
        self.epochs, self.batch_size = epochs, batch_size

    def fit(self, Xw, Xd, y):
        ds = TensorDataset(torch.as_tensor(Xw), torch.as_tensor(Xd), torch.as_tensor(y))
        loader = DataLoader(ds, batch_size=self.batch_size, shuffle=True)
        for epoch in range(self.epochs):
            self.model.train()
            tot = 0.0
            for w, d, t in loader:
                logits = self.model(w, d)
                loss = self.criterion(logits, t)
                self.opt.zero_grad()
                loss.backward()
                self.opt.step()
                tot += loss.item() * len(t)
            log.info("epoch %d logloss %.5f", epoch, tot / len(ds))
        return self

    def predict_proba(self, Xw, Xd):
        out = []
        for i in range(0, len(Xw), 8192):
            out.append(self.model.predict_proba(torch.as_tensor(Xw[i:i + 8192]), torch.as_tensor(Xd[i:i + 8192])))
        return torch.cat(out).numpy()


if __name__ == "__main__":
    logging.basicConfig(level=logging.INFO)
    rng = np.random.default_rng(0)
    n = 300_000
    Xw = (rng.random((n, 50)) < 0.05).astype(np.float32)
    Xd = rng.normal(size=(n, 20)).astype(np.float32)
    logit = Xw[:, :5].sum(1) * 0.8 + Xd[:, 0] * 0.5 - 3
    y = (rng.random(n) < 1 / (1 + np.exp(-logit))).astype(np.float32)
    cut = int(0.9 * n)
    est = TorchClickEstimator(50, 20).fit(Xw[:cut], Xd[:cut], y[:cut])
    p = est.predict_proba(Xw[cut:], Xd[cut:])
    log.info("holdout AUC %.4f, mean pCTR %.4f vs actual %.4f", roc_auc_score(y[cut:], p), p.mean(), y[cut:].mean())
