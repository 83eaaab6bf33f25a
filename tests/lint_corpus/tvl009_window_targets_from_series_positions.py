# expect: TVL009
# One-step-ahead regression: the windows' targets are single positions of a 1-D series
# appended to a list, so the target tensor is (N,), while the model ends in Linear(32, 1) and
# predicts (N, 1): mse_loss broadcasts to an (N, N) comparison.
import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F

LAG = 24
temps = np.sin(np.arange(5000) / 40.0) + 0.1 * np.random.randn(5000)
temps = (temps - temps.mean()) / temps.std()

windows, nexts = [], []
for i in range(len(temps) - LAG):
    windows.append(temps[i:i + LAG])
    nexts.append(temps[i + LAG])
x = torch.tensor(np.array(windows), dtype=torch.float32)
y = torch.tensor(np.array(nexts), dtype=torch.float32)

model = nn.Sequential(nn.Linear(LAG, 32), nn.ReLU(), nn.Linear(32, 1))
opt = torch.optim.Adam(model.parameters(), lr=1e-3)
for epoch in range(20):
    perm = torch.randperm(len(x))
    for k in range(0, len(x), 128):
        idx = perm[k:k + 128]
        loss = F.mse_loss(model(x[idx]), y[idx])
        opt.zero_grad()
        loss.backward()
        opt.step()
