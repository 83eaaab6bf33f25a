# zoo: expect=skipped-steps,metric-stagnation
# zoo: source=a field report (step gate skipped every step)
"""Fault (seed 004, as it ran in production): a step gate that requires a non-zero gradient on
both the backbone and the head. The head's parameters are collected by name with
n.startswith("head."), but the module was renamed to `heads`: the list is empty, its gradient
norm is 0, and the gate never opens. Not one optimizer step in the whole run; the loss is flat
and validation repeats the same numbers every epoch (skipped-steps, metric-stagnation).
--fixed: step unless the total gradient norm is zero or non-finite."""

import argparse
import math

import torch
import torch.nn.functional as F
from torch import nn
from torch.utils.data import DataLoader, TensorDataset

torch.set_num_threads(1)
parser = argparse.ArgumentParser()
parser.add_argument("--fixed", action="store_true")
parser.add_argument("--epochs", type=int, default=4)
args = parser.parse_args()
torch.manual_seed(0)


class MultiK(nn.Module):
    def __init__(self) -> None:
        super().__init__()
        self.backbone = nn.Sequential(nn.Linear(8, 32), nn.ReLU())
        self.heads = nn.ModuleList([nn.Linear(32, 1) for _ in range(2)])  # one head per K

    def forward(self, x: torch.Tensor, k: torch.Tensor) -> torch.Tensor:
        h = self.backbone(x)
        return torch.where(k.unsqueeze(1) == 0, self.heads[0](h), self.heads[1](h))


def grad_norm(params) -> float:
    norms = [p.grad.norm(2) for p in params if p.grad is not None]
    return float(torch.norm(torch.stack(norms), 2)) if norms else 0.0


g = torch.Generator().manual_seed(0)
x = torch.randn(1280, 8, generator=g)
k = torch.randint(0, 2, (1280,), generator=g)
y = x[:, :1] * (1 + k.unsqueeze(1)) - x[:, 1:2] ** 2
train_loader = DataLoader(TensorDataset(x[:1024], k[:1024], y[:1024]), batch_size=32, shuffle=True,
                          generator=torch.Generator().manual_seed(0))
val_loader = DataLoader(TensorDataset(x[1024:], k[1024:], y[1024:]), batch_size=256)

model = MultiK()
optimizer = torch.optim.AdamW(model.parameters(), lr=5e-3)
backbone = [p for n, p in model.named_parameters() if n.startswith("backbone.")]
head = [p for n, p in model.named_parameters() if n.startswith("head.")]  # empty: it is "heads."
skipped = 0
for epoch in range(args.epochs):
    model.train()
    for xb, kb, yb in train_loader:
        optimizer.zero_grad(set_to_none=True)
        loss = F.mse_loss(model(xb, kb), yb)
        loss.backward()
        if args.fixed:
            total = grad_norm(model.parameters())
            ok = math.isfinite(total) and total > 0
        else:  # the bug: both groups must have a gradient, and `head` is empty
            g_back, g_head = grad_norm(backbone), grad_norm(head)
            ok = math.isfinite(g_back) and math.isfinite(g_head) and g_back > 0 and g_head > 0
        if ok:
            optimizer.step()
        else:
            skipped += 1
    model.eval()
    with torch.no_grad():
        val = sum(F.mse_loss(model(xb, kb), yb).item() for xb, kb, yb in val_loader)
    print(f"epoch {epoch + 1}: val loss {val:.6f}, skipped {skipped}")
