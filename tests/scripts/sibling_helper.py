"""Imported by sibling_import.py from the same folder (not a script itself)."""

import torch
from torch import nn

MARKER = "sibling_helper imported"


def make_model() -> nn.Module:
    return nn.Sequential(nn.Linear(8, 32), nn.ReLU(), nn.Linear(32, 1))


def make_data(n: int = 256) -> tuple[torch.Tensor, torch.Tensor]:
    g = torch.Generator().manual_seed(0)
    x = torch.randn(n, 8, generator=g)
    return x, x[:, :1] * 2 - x[:, 1:2]
