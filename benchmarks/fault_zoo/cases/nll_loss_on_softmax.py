# zoo: expect=probabilities-as-logits
# zoo: source=common mistake (nn.Softmax output into nn.NLLLoss)
"""Fault: the classifier ends in nn.Softmax(dim=1) and is trained with nn.NLLLoss, which expects
log-probabilities. On probabilities it computes -p[target]: the reported loss is negative and
means nothing, and its gradient vanishes for the samples the model gets confidently wrong
(p -> 0), so the hard examples stop being learned (probabilities-as-logits).
--fixed: nn.LogSoftmax(dim=1) as the last layer."""

import argparse

import torch
from torch import nn

torch.set_num_threads(1)
parser = argparse.ArgumentParser()
parser.add_argument("--fixed", action="store_true")
args = parser.parse_args()
torch.manual_seed(0)

g = torch.Generator().manual_seed(0)
centers = 0.7 * torch.randn(6, 16, generator=g)
y = torch.randint(0, 6, (2048,), generator=g)
x = centers[y] + torch.randn(2048, 16, generator=g)

last = nn.LogSoftmax(dim=1) if args.fixed else nn.Softmax(dim=1)  # the bug: Softmax
model = nn.Sequential(nn.Linear(16, 64), nn.ReLU(), nn.Linear(64, 6), last)
optimizer = torch.optim.SGD(model.parameters(), lr=0.05, momentum=0.9)
criterion = nn.NLLLoss()
for _ in range(250):
    i = torch.randint(0, len(x), (64,), generator=g)
    optimizer.zero_grad()
    loss = criterion(model(x[i]), y[i])
    loss.backward()
    optimizer.step()
print(f"final loss {loss.item():.4f}")
