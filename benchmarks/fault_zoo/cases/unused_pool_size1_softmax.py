# zoo: expect=dead-parameters
# zoo: source=a field report (attn_pool grad 0.0e+00 every epoch)
"""Fault: attention pooling whose softmax runs over a dimension of size 1 (the scores were
averaged over time with keepdim=True first), so every weight is exactly 1 and attn_pool gets an
exactly-zero gradient at every step (dead-parameters). The model still trains on the rest.
--fixed: softmax over the time dimension."""

import argparse

import torch
import torch.nn.functional as F
from torch import nn

torch.set_num_threads(1)
parser = argparse.ArgumentParser()
parser.add_argument("--fixed", action="store_true")
args = parser.parse_args()
torch.manual_seed(0)


class Forecaster(nn.Module):
    def __init__(self, n_feat: int = 6, d: int = 32, fixed: bool = False) -> None:
        super().__init__()
        self.fixed = fixed
        self.feature_proj = nn.Linear(n_feat, d)
        layer = nn.TransformerEncoderLayer(d, nhead=4, dim_feedforward=2 * d, dropout=0.0,
                                           batch_first=True)
        self.transformer = nn.TransformerEncoder(layer, num_layers=1, enable_nested_tensor=False)
        self.attn_pool = nn.Linear(d, 1)
        self.head = nn.Linear(d, 1)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        h = self.transformer(self.feature_proj(x))  # (B, T, d)
        if self.fixed:
            w = torch.softmax(self.attn_pool(h), dim=1)  # attention over the T time steps
            pooled = (w * h).sum(1)
        else:
            scores = self.attn_pool(h).mean(1, keepdim=True)  # (B, 1, 1)
            w = torch.softmax(scores, dim=-1)  # the bug: a softmax over one element is always 1
            pooled = w[:, 0] * h.mean(1)
        return self.head(pooled)


g = torch.Generator().manual_seed(0)
x = torch.randn(512, 10, 6, generator=g)
y = x[:, :, :1].mean(1) + 0.5 * x[:, -1, 1:2]

model = Forecaster(fixed=args.fixed)
optimizer = torch.optim.AdamW(model.parameters(), lr=1e-3)
for _ in range(100):
    i = torch.randint(0, len(x), (32,), generator=g)
    optimizer.zero_grad()
    loss = F.mse_loss(model(x[i]), y[i])
    loss.backward()
    optimizer.step()
print(f"final loss {loss.item():.4f}")
