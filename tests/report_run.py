"""A real small run for the report tests: a model with a module literally named
`<script>alert(1)</script>` that never reaches the loss (so a finding names it), one named like an
image whose onerror would retitle the page, gradient clipping, observed outputs and epochs."""

from __future__ import annotations

from pathlib import Path

import torch
from torch import nn

import torchvitals

SCRIPT_NAME = "<script>alert(1)</script>"
IMG_NAME = "<img src=x onerror=document['title']='pwned'>"


class Net(nn.Module):
    def __init__(self) -> None:
        super().__init__()
        self.parts = nn.ModuleDict({IMG_NAME: nn.Linear(4, 16), SCRIPT_NAME: nn.Linear(16, 16)})
        self.head = nn.Linear(16, 1)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.head(torch.relu(self.parts[IMG_NAME](x)))  # parts[SCRIPT_NAME] is never used


def make_run(out: Path, steps: int = 36, name: str = "report-run") -> Path:
    """Train Net for `steps` iterations (4 epochs) under watch(); the run directory."""
    torch.manual_seed(0)
    model = Net()
    opt = torch.optim.Adam(model.parameters(), lr=1e-2)
    x = torch.randn(256, 4)
    y = x @ torch.tensor([1.0, -2.0, 0.5, 0.0]) + 0.1 * torch.randn(256)
    mon = torchvitals.watch(model, opt, out=str(out), name=name, every=3, depth=2, console=False)
    per_epoch = steps // 4
    for it in range(steps):
        idx = torch.arange(it % 8 * 32, it % 8 * 32 + 32)
        opt.zero_grad()
        pred = model(x[idx]).squeeze(-1)
        loss = nn.functional.mse_loss(pred, y[idx])
        mon.observe(pred, y[idx], loss)
        loss.backward()
        nn.utils.clip_grad_norm_(model.parameters(), 1.0)
        opt.step()
        if (it + 1) % per_epoch == 0:
            with torch.no_grad():
                vp = model(x[:64]).squeeze(-1)
                mon.observe(vp, y[:64], nn.functional.mse_loss(vp, y[:64]))
            mon.epoch_end()
    mon.close()
    return out / name
