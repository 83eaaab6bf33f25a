# zoo: expect=unoptimized-parameters
# zoo: source=common mistake (classifier swapped after the optimizer)
"""Fault: fine-tuning a "pretrained" network on a new task. The optimizer is built first, then
the classifier is swapped for a fresh one with the new number of classes. The optimizer still
holds the old classifier's tensors (which no longer get gradients); the new classifier computes
gradients at every step that nobody applies, so it stays at its random init
(unoptimized-parameters). --fixed: replace the classifier before building the optimizer."""

import argparse

import torch
import torch.nn.functional as F
from torch import nn

torch.set_num_threads(1)
parser = argparse.ArgumentParser()
parser.add_argument("--fixed", action="store_true")
args = parser.parse_args()
torch.manual_seed(0)


class Net(nn.Module):
    def __init__(self, classes: int = 10) -> None:
        super().__init__()
        self.backbone = nn.Sequential(nn.Linear(32, 64), nn.ReLU(), nn.Linear(64, 64), nn.ReLU())
        self.fc = nn.Linear(64, classes)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.fc(self.backbone(x))


g = torch.Generator().manual_seed(0)
centers = 2 * torch.randn(3, 32, generator=g)
y = torch.randint(0, 3, (1024,), generator=g)
x = centers[y] + torch.randn(1024, 32, generator=g)

model = Net()  # imagine weights loaded from a checkpoint trained on 10 classes
if args.fixed:
    model.fc = nn.Linear(64, 3)
optimizer = torch.optim.Adam(model.parameters(), lr=1e-3)
if not args.fixed:
    model.fc = nn.Linear(64, 3)  # the bug: the new head is not in the optimizer
for _ in range(150):
    i = torch.randint(0, len(x), (64,), generator=g)
    optimizer.zero_grad()
    loss = F.cross_entropy(model(x[i]), y[i])
    loss.backward()
    optimizer.step()
print(f"final loss {loss.item():.4f}")
