# expect: clean
# style: CTR prediction (DeepFM-like) engine class, BCEWithLogitsLoss on raw logits, sigmoid only for AUC/logloss reporting
# note: torch.sigmoid appears in the evaluation/predict path and in the exported probability, but the training loss gets raw logits from model.forward
import logging
import math

import numpy as np
import torch
import torch.nn as nn
from torch.utils.data import DataLoader, TensorDataset

log = logging.getLogger("ctr")


class DeepFM(nn.Module):
    def __init__(self, field_dims, k=16, mlp=(256, 128)):
        super().__init__()
        self.register_buffer("offsets", torch.tensor([0] + [int(v) for v in np.cumsum(field_dims)[:-1]]))
        n = int(sum(field_dims))
        self.linear = nn.Embedding(n, 1)
        self.emb = nn.Embedding(n, k)
        layers, d = [], len(field_dims) * k
        for h in mlp:
            layers += [nn.Linear(d, h), nn.BatchNorm1d(h), nn.ReLU(), nn.Dropout(0.2)]
            d = h
        self.mlp = nn.Sequential(*layers, nn.Linear(d, 1))
        self.bias = nn.Parameter(torch.zeros(1))

    def forward(self, x):
        x = x + self.offsets
        e = self.emb(x)
        fm = 0.5 * (e.sum(1).pow(2) - e.pow(2).sum(1)).sum(1, keepdim=True)
        logit = self.bias + self.linear(x).sum(1) + fm + self.mlp(e.flatten(1))
        return logit.squeeze(1)


def auc_score(y, p):
    order = np.argsort(p)
    r = np.empty(len(p)); r[order] = np.arange(1, len(p) + 1)
    npos = y.sum(); nneg = len(y) - npos
    return (r[y == 1].sum() - npos * (npos + 1) / 2) / max(npos * nneg, 1)


class CTREngine:
    def __init__(self, model, lr=1e-3):
        self.model = model
        self.criterion = nn.BCEWithLogitsLoss()
        self.opt = torch.optim.Adam(model.parameters(), lr=lr, weight_decay=1e-6)

    def train_epoch(self, loader):
        self.model.train()
        total = 0.0
        for x, y in loader:
            logits = self.model(x)
            loss = self.criterion(logits, y)
            self.opt.zero_grad()
            loss.backward()
            self.opt.step()
            total += loss.item() * len(y)
        return total / len(loader.dataset)

    @torch.no_grad()
    def predict_proba(self, loader):
        self.model.eval()
        probs = torch.cat([torch.sigmoid(self.model(x)) for x, _ in loader]).numpy()
        self.model.train()
        return probs

    def evaluate(self, loader):
        p = self.predict_proba(loader)
        y = torch.cat([y for _, y in loader]).numpy()
        ll = -np.mean(y * np.log(p + 1e-7) + (1 - y) * np.log(1 - p + 1e-7))
        return auc_score(y, p), ll


if __name__ == "__main__":
    logging.basicConfig(level=logging.INFO)
    field_dims = [100, 50, 1000, 24, 7, 300]
    rng = np.random.default_rng(0)
    X = torch.tensor(np.stack([rng.integers(0, d, 200000) for d in field_dims], 1))
    y = torch.tensor((rng.random(200000) < 1 / (1 + np.exp(-(X[:, 3].numpy() % 5 - 3.0)))).astype(np.float32))
    train_loader = DataLoader(TensorDataset(X[:180000], y[:180000]), batch_size=2048, shuffle=True)
    test_loader = DataLoader(TensorDataset(X[180000:], y[180000:]), batch_size=8192)
    engine = CTREngine(DeepFM(field_dims))
    for epoch in range(5):
        tr = engine.train_epoch(train_loader)
        auc, ll = engine.evaluate(test_loader)
        log.info("epoch %d train_logloss %.5f test_auc %.5f test_logloss %.5f", epoch, tr, auc, ll)
    torch.save(engine.model.state_dict(), "deepfm.pt")
