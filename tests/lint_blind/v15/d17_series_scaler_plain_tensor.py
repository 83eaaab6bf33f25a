# expect: TVL005
# style: time-series anomaly autoencoder with learnable per-channel scale, inline script (CPU)
# bug: the per-channel input scale/shift are created as plain tensors with requires_grad=True instead of nn.Parameter, so they are not in model.parameters(), never updated by the optimizer and absent from the saved state_dict
import math
import os

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F
from torch.utils.data import DataLoader, TensorDataset

torch.manual_seed(3)
WINDOW = 64
CHANNELS = 8
EPOCHS = 30
OUT = "ae_runs"
os.makedirs(OUT, exist_ok=True)


def sensor_windows(n, anomaly_rate=0.0, seed=0):
    rng = np.random.default_rng(seed)
    t = np.arange(WINDOW)
    data = []
    labels = []
    for _ in range(n):
        phase = rng.uniform(0, 2 * math.pi, CHANNELS)
        amp = rng.uniform(0.5, 3.0, CHANNELS)
        w = amp[:, None] * np.sin(2 * math.pi * t[None] / 16 + phase[:, None]) + rng.normal(0, 0.1, (CHANNELS, WINDOW))
        is_anom = rng.random() < anomaly_rate
        if is_anom:
            c = rng.integers(CHANNELS)
            s = rng.integers(0, WINDOW - 8)
            w[c, s : s + 8] += rng.normal(4, 1)
        data.append(w.astype(np.float32))
        labels.append(int(is_anom))
    return torch.tensor(np.stack(data)), torch.tensor(labels)


class ConvAE(nn.Module):
    def __init__(self, c=CHANNELS, hidden=32):
        super().__init__()
        self.in_scale = torch.ones(1, c, 1, requires_grad=True)
        self.in_shift = torch.zeros(1, c, 1, requires_grad=True)
        self.enc = nn.Sequential(
            nn.Conv1d(c, hidden, 5, 2, 2), nn.GELU(),
            nn.Conv1d(hidden, hidden * 2, 5, 2, 2), nn.GELU(),
        )
        self.dec = nn.Sequential(
            nn.ConvTranspose1d(hidden * 2, hidden, 4, 2, 1), nn.GELU(),
            nn.ConvTranspose1d(hidden, c, 4, 2, 1),
        )

    def forward(self, x):
        z = x * self.in_scale + self.in_shift
        return self.dec(self.enc(z))

    def score(self, x):
        z = x * self.in_scale + self.in_shift
        return ((self(x) - z) ** 2).mean(dim=(1, 2))


x_train, _ = sensor_windows(8000, 0.0, seed=1)
x_test, y_test = sensor_windows(2000, 0.05, seed=2)
train_dl = DataLoader(TensorDataset(x_train), batch_size=128, shuffle=True)
test_dl = DataLoader(TensorDataset(x_test, y_test), batch_size=512)

model = ConvAE()
opt = torch.optim.Adam(model.parameters(), lr=1e-3)
sched = torch.optim.lr_scheduler.CosineAnnealingLR(opt, T_max=EPOCHS)

for epoch in range(EPOCHS):
    model.train()
    tot = 0.0
    for (xb,) in train_dl:
        target = xb * model.in_scale + model.in_shift
        recon = model(xb)
        loss = F.mse_loss(recon, target.detach()) + 1e-3 * (model.in_scale - 1).pow(2).sum()
        opt.zero_grad()
        loss.backward()
        opt.step()
        tot += loss.item() * xb.size(0)
    sched.step()
    if epoch % 5 == 0:
        print(f"epoch {epoch} recon {tot / len(train_dl.dataset):.5f}")

model.eval()
scores, labels = [], []
with torch.no_grad():
    for xb, yb in test_dl:
        scores.append(model.score(xb))
        labels.append(yb)
scores = torch.cat(scores)
labels = torch.cat(labels)
thr = torch.quantile(scores, 0.95)
pred = (scores > thr).long()
tp = ((pred == 1) & (labels == 1)).sum().item()
fp = ((pred == 1) & (labels == 0)).sum().item()
fn = ((pred == 0) & (labels == 1)).sum().item()
print(f"precision {tp / max(tp + fp, 1):.3f} recall {tp / max(tp + fn, 1):.3f}")
torch.save(model.state_dict(), os.path.join(OUT, "conv_ae.pt"))
