# zoo: expect=parameters-not-moving
# zoo: source=common mistake (base_lr // 10 == 0.0)
"""Fault: discriminative learning rates for fine-tuning, with the backbone at a tenth of the
head's lr, written `base_lr // 10`. Floor division of 1e-3 by 10 is 0.0: the backbone gets
gradients at every step and never moves, while the head trains (parameters-not-moving).
--fixed: base_lr / 10."""

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
    def __init__(self) -> None:
        super().__init__()
        self.backbone = nn.Sequential(nn.Linear(16, 64), nn.ReLU(), nn.Linear(64, 64), nn.ReLU())
        self.head = nn.Linear(64, 4)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.head(self.backbone(x))


g = torch.Generator().manual_seed(0)
centers = 1.5 * torch.randn(4, 16, generator=g)
y = torch.randint(0, 4, (1024,), generator=g)
x = centers[y] + torch.randn(1024, 16, generator=g)

base_lr = 1e-3
backbone_lr = base_lr / 10 if args.fixed else base_lr // 10  # the bug: // gives 0.0
model = Net()
optimizer = torch.optim.Adam([
    {"params": model.backbone.parameters(), "lr": backbone_lr},
    {"params": model.head.parameters(), "lr": base_lr},
])
for _ in range(150):
    i = torch.randint(0, len(x), (64,), generator=g)
    optimizer.zero_grad()
    loss = F.cross_entropy(model(x[i]), y[i])
    loss.backward()
    optimizer.step()
print(f"final loss {loss.item():.4f}, backbone lr {backbone_lr}")
