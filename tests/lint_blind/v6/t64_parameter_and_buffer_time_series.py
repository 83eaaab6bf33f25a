# expect: clean
# style: research repo model file, transformer forecaster for multivariate time series with RevIN-style normalisation
# note: the fixed sinusoidal positional table is a plain tensor but is registered with register_buffer (not meant to be learned), and the learnable affine scale/shift are nn.Parameter.
import math

import torch
import torch.nn as nn
import torch.nn.functional as F
from torch.utils.data import DataLoader, TensorDataset


def sinusoid_table(n, d):
    pos = torch.arange(n).unsqueeze(1).float()
    div = torch.exp(torch.arange(0, d, 2).float() * (-math.log(10000.0) / d))
    pe = torch.zeros(n, d)
    pe[:, 0::2] = torch.sin(pos * div)
    pe[:, 1::2] = torch.cos(pos * div)
    return pe


class RevIN(nn.Module):
    def __init__(self, n_vars, eps=1e-5):
        super().__init__()
        self.eps = eps
        self.affine_weight = nn.Parameter(torch.ones(n_vars))
        self.affine_bias = nn.Parameter(torch.zeros(n_vars))

    def normalize(self, x):
        self._mean = x.mean(1, keepdim=True).detach()
        self._std = torch.sqrt(x.var(1, keepdim=True, unbiased=False) + self.eps).detach()
        return (x - self._mean) / self._std * self.affine_weight + self.affine_bias

    def denormalize(self, y):
        return (y - self.affine_bias) / (self.affine_weight + self.eps) * self._std + self._mean


class Forecaster(nn.Module):
    def __init__(self, n_vars=7, lookback=96, horizon=24, d=128):
        super().__init__()
        self.revin = RevIN(n_vars)
        self.inp = nn.Linear(n_vars, d)
        self.register_buffer("pos", sinusoid_table(lookback, d))
        layer = nn.TransformerEncoderLayer(d, 8, 4 * d, 0.1, batch_first=True)
        self.encoder = nn.TransformerEncoder(layer, 3)
        self.head = nn.Linear(lookback * d, horizon * n_vars)
        self.horizon, self.n_vars = horizon, n_vars

    def forward(self, x):
        z = self.revin.normalize(x)
        h = self.encoder(self.inp(z) + self.pos)
        y = self.head(h.flatten(1)).view(-1, self.horizon, self.n_vars)
        return self.revin.denormalize(y)


if __name__ == "__main__":
    series = torch.cumsum(torch.randn(6000, 7), 0)
    idx = torch.arange(0, 6000 - 120, 4)
    X = torch.stack([series[i:i + 96] for i in idx])
    Y = torch.stack([series[i + 96:i + 120] for i in idx])
    loader = DataLoader(TensorDataset(X, Y), batch_size=32, shuffle=True)
    model = Forecaster()
    opt = torch.optim.Adam(model.parameters(), lr=1e-4)
    for epoch in range(10):
        model.train()
        mse_sum = 0.0
        for xb, yb in loader:
            opt.zero_grad()
            loss = F.mse_loss(model(xb), yb)
            loss.backward()
            opt.step()
            mse_sum += loss.item()
        print(f"epoch {epoch} mse {mse_sum / len(loader):.4f}")
