# zoo: expect=prediction-collapse
# zoo: source=a field report (prediction head collapsed to a constant)
"""Fault: a regressor of log-probabilities (targets always below zero) whose output layer is
followed by nn.ReLU(), copied from the hidden blocks. Every positive output is pushed down to the
targets until the ReLU cuts it off; once the head's pre-activation is below zero for every
input it outputs exactly 0 and passes no gradient back: the predictions collapse to a constant
(prediction-collapse). --fixed: a linear output layer."""

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
x = torch.randn(2048, 16, generator=g)
logits = x[:, :4] @ torch.randn(4, 5, generator=g)
y = torch.log_softmax(logits, dim=-1)[:, :1]  # log-probability of class 0: always < 0

head = [nn.Linear(64, 1)] if args.fixed else [nn.Linear(64, 1), nn.ReLU()]  # the bug: ReLU
model = nn.Sequential(nn.Linear(16, 64), nn.ReLU(), nn.Linear(64, 64), nn.ReLU(), *head)
optimizer = torch.optim.Adam(model.parameters(), lr=1e-3)
for _ in range(300):
    i = torch.randint(0, len(x), (64,), generator=g)
    optimizer.zero_grad()
    loss = F.mse_loss(model(x[i]), y[i])
    loss.backward()
    optimizer.step()
with torch.no_grad():
    spread = model(x).std()
    print(f"final loss {loss.item():.4f}, prediction std {spread:.2e}, target std {y.std():.2e}")
