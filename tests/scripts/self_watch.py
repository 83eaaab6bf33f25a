"""A script that calls torchvitals.watch() itself (with its own options), as one does once
torchvitals is in the training code, and is then also run under `torchvitals run`.
`--fault lr-zero` trains nothing."""

import argparse

import torch
from torch import nn

import torchvitals

ap = argparse.ArgumentParser()
ap.add_argument("--fault", default=None)
a = ap.parse_args()
torch.manual_seed(0)
model = nn.Sequential(nn.Linear(16, 64), nn.ReLU(), nn.Linear(64, 1))
opt = torch.optim.Adam(model.parameters(), lr=0.0 if a.fault == "lr-zero" else 1e-2)
x = torch.randn(512, 16)
y = x.sum(1, keepdim=True)
with torchvitals.watch(model, opt, every=10) as monitor:
    for it in range(60):
        i = (it * 32) % 512
        opt.zero_grad()
        nn.functional.mse_loss(model(x[i:i + 32]), y[i:i + 32]).backward()
        opt.step()
print("verdict in the script:", monitor.diagnosis.verdict)
