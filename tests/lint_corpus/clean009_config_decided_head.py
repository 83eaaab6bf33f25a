# expect: clean
# The same config-picked single-output head, its (B, 1) output squeezed to (B,) before
# mse_loss meets the targets.
import torch
import torch.nn as nn
import torch.nn.functional as F
from torch.utils.data import DataLoader, TensorDataset

SETTINGS = {"task": "regress", "hidden": 48}


def build(cfg):
    layers = [nn.Linear(6, cfg["hidden"]), nn.SiLU()]
    if cfg["task"] == "regress":
        layers.append(nn.Linear(cfg["hidden"], 1))
    else:
        layers.append(nn.Linear(cfg["hidden"], 3))
    return nn.Sequential(*layers)


model = build(SETTINGS)
xs, ys = torch.randn(1000, 6), torch.randn(1000)
opt = torch.optim.Adam(model.parameters(), lr=3e-4)
for xb, yb in DataLoader(TensorDataset(xs, ys), batch_size=25, shuffle=True):
    loss = F.mse_loss(model(xb).squeeze(1), yb)
    opt.zero_grad()
    loss.backward()
    opt.step()
