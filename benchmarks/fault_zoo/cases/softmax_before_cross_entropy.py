# zoo: expect=probabilities-as-logits
# zoo: source=https://stackoverflow.com/questions/55675345
"""Fault: softmax applied before nn.CrossEntropyLoss, which applies log_softmax itself
(probabilities-as-logits). --fixed: pass the raw logits."""

import argparse

import torch
from torch import nn

torch.set_num_threads(1)
parser = argparse.ArgumentParser()
parser.add_argument("--fixed", action="store_true")
args = parser.parse_args()
torch.manual_seed(0)

g = torch.Generator().manual_seed(0)
centers = 2.0 * torch.randn(5, 16, generator=g)
y = torch.randint(0, 5, (1024,), generator=g)
x = centers[y] + torch.randn(1024, 16, generator=g)

model = nn.Sequential(nn.Linear(16, 64), nn.ReLU(), nn.Linear(64, 5))
optimizer = torch.optim.Adam(model.parameters(), lr=1e-3)
criterion = nn.CrossEntropyLoss()
for _ in range(250):
    i = torch.randint(0, len(x), (32,), generator=g)
    logits = model(x[i])
    out = logits if args.fixed else torch.softmax(logits, dim=-1)  # the bug: softmax twice
    optimizer.zero_grad()
    loss = criterion(out, y[i])
    loss.backward()
    optimizer.step()
print(f"final loss {loss.item():.4f}")
