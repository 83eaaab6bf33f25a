# zoo: expect=dead-parameters
# zoo: source=common mistake (one output unit + nn.CrossEntropyLoss)
"""Fault: a binary classifier with a single output unit trained with nn.CrossEntropyLoss on
float 0/1 targets of shape (B, 1), which PyTorch reads as class probabilities over one class.
A softmax over one logit is always 1, so the loss is exactly 0 for every batch and every
gradient is exactly zero: nothing in the model ever learns (dead-parameters).
--fixed: nn.BCEWithLogitsLoss, the loss for one logit per sample."""

import argparse

import torch
from torch import nn

torch.set_num_threads(1)
parser = argparse.ArgumentParser()
parser.add_argument("--fixed", action="store_true")
args = parser.parse_args()
torch.manual_seed(0)

g = torch.Generator().manual_seed(0)
x = torch.randn(1024, 12, generator=g)
y = ((x[:, 0] - x[:, 1] + 0.5 * torch.randn(1024, generator=g)) > 0).float().unsqueeze(1)

model = nn.Sequential(nn.Linear(12, 32), nn.ReLU(), nn.Linear(32, 1))
criterion = nn.BCEWithLogitsLoss() if args.fixed else nn.CrossEntropyLoss()  # the bug
optimizer = torch.optim.Adam(model.parameters(), lr=1e-3)
for _ in range(150):
    i = torch.randint(0, len(x), (64,), generator=g)
    optimizer.zero_grad()
    loss = criterion(model(x[i]), y[i])
    loss.backward()
    optimizer.step()
with torch.no_grad():
    acc = ((model(x) > 0).float() == y).float().mean().item()
print(f"final loss {loss.item():.4f}, accuracy {acc:.3f}")
