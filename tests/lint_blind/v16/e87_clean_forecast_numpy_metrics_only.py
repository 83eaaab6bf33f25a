# expect: clean
# style: time-series forecasting notebook export (N-BEATS-like MLP), numpy used for metrics and plotting
# note: predictions are moved to numpy with .detach().cpu().numpy() for sMAPE/MASE and a plot, but the training loss is computed on the tensors directly, before any detach
import matplotlib
matplotlib.use("Agg")
import matplotlib.pyplot as plt
import numpy as np
import torch
import torch.nn as nn
from torch.utils.data import DataLoader, TensorDataset

# %%
LOOKBACK, HORIZON = 72, 24
np.random.seed(0)
torch.manual_seed(0)
t = np.arange(5000)
series = (np.sin(2 * np.pi * t / 24) + 0.5 * np.sin(2 * np.pi * t / 168) + 0.01 * t / 100
          + 0.2 * np.random.randn(len(t))).astype(np.float32)


def windows(s):
    X = np.stack([s[i:i + LOOKBACK] for i in range(len(s) - LOOKBACK - HORIZON)])
    Y = np.stack([s[i + LOOKBACK:i + LOOKBACK + HORIZON] for i in range(len(s) - LOOKBACK - HORIZON)])
    return torch.from_numpy(X), torch.from_numpy(Y)


Xtr, Ytr = windows(series[:4000])
Xte, Yte = windows(series[4000:])
train_loader = DataLoader(TensorDataset(Xtr, Ytr), batch_size=128, shuffle=True)


# %%
class NBeatsBlock(nn.Module):
    def __init__(self, width=256):
        super().__init__()
        self.fc = nn.Sequential(nn.Linear(LOOKBACK, width), nn.ReLU(), nn.Linear(width, width), nn.ReLU())
        self.backcast = nn.Linear(width, LOOKBACK)
        self.forecast = nn.Linear(width, HORIZON)

    def forward(self, x):
        h = self.fc(x)
        return self.backcast(h), self.forecast(h)


class NBeats(nn.Module):
    def __init__(self, n_blocks=4):
        super().__init__()
        self.blocks = nn.ModuleList([NBeatsBlock() for _ in range(n_blocks)])

    def forward(self, x):
        forecast = 0
        for b in self.blocks:
            back, f = b(x)
            x = x - back
            forecast = forecast + f
        return forecast


def smape(y, p):
    return 200 * np.mean(np.abs(y - p) / (np.abs(y) + np.abs(p) + 1e-8))


def mase(y, p, insample, m=24):
    scale = np.mean(np.abs(insample[m:] - insample[:-m]))
    return np.mean(np.abs(y - p)) / scale


# %%
model = NBeats()
opt = torch.optim.Adam(model.parameters(), lr=1e-3)
loss_fn = nn.L1Loss()
for epoch in range(30):
    model.train()
    ep = []
    for xb, yb in train_loader:
        pred = model(xb)
        loss = loss_fn(pred, yb)
        opt.zero_grad()
        loss.backward()
        opt.step()
        ep.append(loss.item())
    if epoch % 5 == 0:
        model.eval()
        with torch.no_grad():
            p = model(Xte).detach().cpu().numpy()
        print(f"epoch {epoch} train L1 {np.mean(ep):.4f} sMAPE {smape(Yte.numpy(), p):.2f} "
              f"MASE {mase(Yte.numpy(), p, series[:4000]):.3f}")

# %%
model.eval()
with torch.no_grad():
    p = model(Xte[:1]).numpy()[0]
plt.plot(np.arange(LOOKBACK), Xte[0].numpy(), label="history")
plt.plot(np.arange(LOOKBACK, LOOKBACK + HORIZON), Yte[0].numpy(), label="truth")
plt.plot(np.arange(LOOKBACK, LOOKBACK + HORIZON), p, label="forecast")
plt.legend()
plt.savefig("nbeats_forecast.png")
torch.save(model.state_dict(), "nbeats.pt")
