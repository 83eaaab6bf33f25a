# expect: TVL012
# style: CTR prediction (DeepFM) with a train_step() helper returning losses and an epoch loop aggregating a stats dict
# bug: train_step() returns the loss tensors and the epoch loop does stats[k] += v * bs on them, so the per-batch graphs accumulate for the whole epoch
import logging
from collections import defaultdict

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F
from torch.utils.data import DataLoader, TensorDataset

log = logging.getLogger("ctr")


class DeepFM(nn.Module):
    def __init__(self, field_dims, k=16, hidden=(128, 64)):
        super().__init__()
        self.offsets = torch.tensor([0] + list(np.cumsum(field_dims)[:-1]), dtype=torch.long)
        n = int(sum(field_dims))
        self.linear = nn.Embedding(n, 1)
        self.bias = nn.Parameter(torch.zeros(1))
        self.emb = nn.Embedding(n, k)
        layers, prev = [], len(field_dims) * k
        for h in hidden:
            layers += [nn.Linear(prev, h), nn.BatchNorm1d(h), nn.ReLU(), nn.Dropout(0.2)]
            prev = h
        layers.append(nn.Linear(prev, 1))
        self.mlp = nn.Sequential(*layers)

    def forward(self, x):
        x = x + self.offsets
        e = self.emb(x)
        fm = 0.5 * ((e.sum(1) ** 2) - (e ** 2).sum(1)).sum(1, keepdim=True)
        out = self.linear(x).sum(1) + self.bias + fm + self.mlp(e.flatten(1))
        return out.squeeze(1)


def train_step(model, optimizer, x, y, l2=1e-6):
    logits = model(x)
    bce = F.binary_cross_entropy_with_logits(logits, y)
    reg = l2 * model.emb.weight.pow(2).sum()
    loss = bce + reg
    optimizer.zero_grad()
    loss.backward()
    optimizer.step()
    return {"loss": loss, "bce": bce, "reg": reg}


@torch.no_grad()
def eval_logloss(model, loader):
    model.eval()
    tot, n = 0.0, 0
    for x, y in loader:
        tot += F.binary_cross_entropy_with_logits(model(x), y, reduction="sum").item()
        n += len(y)
    model.train()
    return tot / n


def main(epochs=5):
    logging.basicConfig(level=logging.INFO)
    field_dims = [100, 50, 1000, 24, 7, 300]
    rng = np.random.default_rng(0)
    N = 200_000
    X = np.stack([rng.integers(0, d, N) for d in field_dims], 1)
    p = 1 / (1 + np.exp(-(0.02 * (X[:, 0] - 50) + 0.3 * (X[:, 4] == 5) - 1.5)))
    Y = (rng.random(N) < p).astype(np.float32)
    cut = int(0.9 * N)
    train_loader = DataLoader(TensorDataset(torch.from_numpy(X[:cut]), torch.from_numpy(Y[:cut])),
                              batch_size=2048, shuffle=True)
    val_loader = DataLoader(TensorDataset(torch.from_numpy(X[cut:]), torch.from_numpy(Y[cut:])), batch_size=8192)

    model = DeepFM(field_dims)
    optimizer = torch.optim.Adam(model.parameters(), lr=1e-3)
    for epoch in range(epochs):
        model.train()
        stats, seen = defaultdict(float), 0
        for x, y in train_loader:
            out = train_step(model, optimizer, x, y)
            bs = len(y)
            for k, v in out.items():
                stats[k] += v * bs
            seen += bs
        summary = {k: round(float(v) / seen, 5) for k, v in stats.items()}
        log.info("epoch %d %s val_logloss %.5f", epoch, summary, eval_logloss(model, val_loader))


if __name__ == "__main__":
    main()
