# zoo: expect=nonfinite-loss
# zoo: source=common mistake (torch.log(softmax) instead of log_softmax)
"""Fault: class log-probabilities computed as torch.log(torch.softmax(logits)) and fed to
F.nll_loss, on 8x8 images with raw 0-255 pixel values. The logits are large, softmax underflows
to exactly 0 for the true class of some samples, log(0) = -inf, and the loss is inf: the
batch's gradient turns NaN and poisons the weights (nonfinite-loss). --fixed: the pipeline done
right, F.log_softmax (which computes the same thing stably) on pixels scaled to [0, 1] (raw
pixels alone put the initial loss far from ln 10, which torchvitals rightly reports)."""

import argparse

import torch
import torch.nn.functional as F
from torch import nn

torch.set_num_threads(1)
parser = argparse.ArgumentParser()
parser.add_argument("--fixed", action="store_true")
args = parser.parse_args()
torch.manual_seed(0)

g = torch.Generator().manual_seed(0)
templates = torch.rand(10, 64, generator=g)
y = torch.randint(0, 10, (2048,), generator=g)
x = (255 * (0.6 * templates[y] + 0.4 * torch.rand(2048, 64, generator=g))).round()  # 0-255 pixels
if args.fixed:
    x = x / 255

model = nn.Sequential(nn.Linear(64, 128), nn.ReLU(), nn.Linear(128, 10))
optimizer = torch.optim.Adam(model.parameters(), lr=1e-3)
for _ in range(200):
    i = torch.randint(0, len(x), (64,), generator=g)
    logits = model(x[i])
    if args.fixed:
        log_probs = F.log_softmax(logits, dim=-1)
    else:
        log_probs = torch.log(torch.softmax(logits, dim=-1))  # the bug: log(0) = -inf
    optimizer.zero_grad()
    loss = F.nll_loss(log_probs, y[i])
    loss.backward()
    optimizer.step()
with torch.no_grad():
    acc = (model(x).argmax(1) == y).float().mean().item()
print(f"final loss {loss.item():.4f}, accuracy {acc:.3f}")
