# zoo: expect=vanishing-gradient
# zoo: source=a field report (FAN→SAN normalisation stack, 10^10 attenuation)
"""Fault: the encoder input passes through a stack of five hand-written normalisations whose eps
is given in variance units where std units were meant (1e4 instead of 1e-2²): each divides the
signal, and so the gradient, by ~100. The projection below the stack gets a gradient ~1e10
smaller than the head's and never learns; the head trains alone (vanishing-gradient).
--fixed: a single nn.LayerNorm, as seed 000 did."""

import argparse

import torch
import torch.nn.functional as F
from torch import nn

torch.set_num_threads(1)
parser = argparse.ArgumentParser()
parser.add_argument("--fixed", action="store_true")
args = parser.parse_args()
torch.manual_seed(0)


class AdaptiveNorm(nn.Module):
    """Normalise over features; the eps is meant as a variance floor but is far too large."""

    def __init__(self, eps: float = 1e4) -> None:
        super().__init__()
        self.eps = eps

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return (x - x.mean(-1, keepdim=True)) / torch.sqrt(x.var(-1, keepdim=True) + self.eps)


class Encoder(nn.Module):
    def __init__(self, n_feat: int = 8, d: int = 32, fixed: bool = False) -> None:
        super().__init__()
        self.feature_proj = nn.Linear(n_feat, d)
        # the bug: FAN → SAN → … five normalisations in a row
        self.norm = nn.LayerNorm(d) if fixed else nn.Sequential(*[AdaptiveNorm() for _ in range(5)])
        self.temporal = nn.GRU(d, d, batch_first=True)
        self.head = nn.Sequential(nn.Linear(d, d), nn.GELU(), nn.Linear(d, 1))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        h, _ = self.temporal(self.norm(self.feature_proj(x)))
        return self.head(h[:, -1])


g = torch.Generator().manual_seed(0)
x = torch.randn(512, 12, 8, generator=g)
y = x[:, -1, :1] - 0.5 * x[:, -2, 1:2] + 0.1 * torch.randn(512, 1, generator=g)

model = Encoder(fixed=args.fixed)
optimizer = torch.optim.AdamW(model.parameters(), lr=1e-3)
for _ in range(150):
    i = torch.randint(0, len(x), (32,), generator=g)
    optimizer.zero_grad()
    loss = F.mse_loss(model(x[i]), y[i])
    loss.backward()
    optimizer.step()
print(f"final loss {loss.item():.4f}")
