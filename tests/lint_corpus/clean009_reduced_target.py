# expect: clean
import torch
import torch.nn as nn
from torch.utils.data import DataLoader, TensorDataset

n_samples, n_steps, n_feats = 4000, 20, 8
readings = torch.randn(n_samples, n_steps, n_feats)
energy = readings.pow(2).sum(dim=(1, 2)) / n_steps
loader = DataLoader(TensorDataset(readings.flatten(1), energy), batch_size=100, shuffle=True)

mlp = nn.Sequential(nn.Linear(n_steps * n_feats, 64), nn.ReLU(), nn.Linear(64, 1))
opt = torch.optim.Adam(mlp.parameters(), lr=1e-3)
for epoch in range(20):
    for flat, e in loader:
        loss = nn.functional.mse_loss(mlp(flat).squeeze(1), e)
        opt.zero_grad()
        loss.backward()
        opt.step()
