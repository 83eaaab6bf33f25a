# zoo: expect=worse-than-baseline
# zoo: source=a field report (val RMSE 0.1034 vs persistence 0.0120)
"""Fault: a forecaster of the next level of a drifting series (a random walk with some momentum
in its returns: persistence, "tomorrow = today", is hard to beat). The model mean-pools its
window over time (FLATTEN_MODE=pool in seed 001) and predicts the level itself, so it outputs
something like the window average and never tracks the last value: its validation RMSE is ~17x
persistence's and, on this validation stretch, worse than the mean predictor too
(worse-than-baseline; `torchvitals run` knows only the mean predictor, persistence needs
watch(baseline=...)). --fixed: forecast the change from the last level from the last step's
features (residual forecasting), which beats persistence."""

import argparse

import torch
import torch.nn.functional as F
from torch import nn
from torch.utils.data import DataLoader, TensorDataset

torch.set_num_threads(1)
parser = argparse.ArgumentParser()
parser.add_argument("--fixed", action="store_true")
parser.add_argument("--epochs", type=int, default=4)
args = parser.parse_args()
torch.manual_seed(0)

look_back = 24
g = torch.Generator().manual_seed(0)
steps = 1600 + look_back
noise = 0.1 * torch.randn(steps, generator=g)
ret = torch.zeros(steps)
for t in range(1, steps):  # returns with some momentum: there is something to learn
    ret[t] = 0.6 * ret[t - 1] + noise[t]
walk = torch.cumsum(ret, 0)
walk, ret = (walk - walk.mean()) / walk.std(), ret / walk.std()
feats = torch.stack([walk, ret / ret.std()], dim=1)  # level and scaled return
x = torch.stack([feats[t : t + look_back] for t in range(1600)])  # (N, T, 2)
y = walk[look_back : look_back + 1600].unsqueeze(-1)  # the next level


class PooledForecaster(nn.Module):
    def __init__(self, d: int = 32, residual: bool = False) -> None:
        super().__init__()
        self.residual = residual
        self.proj = nn.Linear(2, d)
        self.mix = nn.Sequential(nn.Linear(d, d), nn.GELU())
        self.head = nn.Linear(d, 1)
        if residual:  # start at persistence: a zero change
            nn.init.zeros_(self.head.weight)
            nn.init.zeros_(self.head.bias)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        h = self.mix(self.proj(x))
        if self.residual:  # the change from the last level, from the last step's features
            return x[:, -1, :1] + self.head(h[:, -1])
        return self.head(h.mean(1))  # mean-pooled over time: the last value is diluted


split = 1280
train_loader = DataLoader(TensorDataset(x[:split], y[:split]), batch_size=64, shuffle=True,
                          generator=torch.Generator().manual_seed(0))
val_loader = DataLoader(TensorDataset(x[split:], y[split:]), batch_size=256)
model = PooledForecaster(residual=args.fixed)
optimizer = torch.optim.AdamW(model.parameters(), lr=1e-3, weight_decay=1e-6)
for epoch in range(args.epochs):
    model.train()
    for xb, yb in train_loader:
        optimizer.zero_grad()
        loss = F.mse_loss(model(xb), yb)
        loss.backward()
        optimizer.step()
    model.eval()
    se = persist = 0.0
    with torch.no_grad():
        for xb, yb in val_loader:
            se += F.mse_loss(model(xb), yb, reduction="sum").item()
            persist += ((xb[:, -1, :1] - yb) ** 2).sum().item()
    n = len(x) - split
    rmse, persist_rmse = (se / n) ** 0.5, (persist / n) ** 0.5
    print(f"epoch {epoch + 1}: val RMSE {rmse:.4f}, persistence {persist_rmse:.4f}")
