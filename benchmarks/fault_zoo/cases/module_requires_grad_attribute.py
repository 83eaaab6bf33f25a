# zoo: expect=freeze-not-applied
# zoo: source=https://github.com/CSCYQJ/MICCAI23-ProtoContra-SFDA/issues/18 (`self.model.outc.requires_grad = False` on a module does not freeze it; see https://discuss.pytorch.org/t/requires-grad-doesnt-propagate-to-the-parameters-of-the-module/9979)
"""Fault: fine-tuning a pretrained backbone meant to stay frozen, written
`model.backbone.requires_grad = False`: that sets a plain attribute on the module, no parameter
is frozen, and the optimizer (built from every parameter) trains the backbone too
(freeze-not-applied). --fixed: model.backbone.requires_grad_(False)."""

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
        self.backbone = nn.Sequential(nn.Linear(8, 32), nn.ReLU(), nn.Linear(32, 32), nn.ReLU())
        self.head = nn.Linear(32, 1)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.head(self.backbone(x))


g = torch.Generator().manual_seed(0)
x = torch.randn(512, 8, generator=g)
y = x[:, :1] * 2 - x[:, 1:2] ** 2

model = Net()
if args.fixed:
    model.backbone.requires_grad_(False)
else:
    model.backbone.requires_grad = False  # an attribute of the module: freezes nothing
optimizer = torch.optim.Adam([p for p in model.parameters() if p.requires_grad], lr=1e-3)
for _ in range(100):
    i = torch.randint(0, len(x), (32,), generator=g)
    optimizer.zero_grad()
    loss = F.mse_loss(model(x[i]), y[i])
    loss.backward()
    optimizer.step()
print(f"final loss {loss.item():.4f}")
