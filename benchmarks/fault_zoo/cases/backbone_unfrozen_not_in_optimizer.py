# zoo: expect=unoptimized-parameters
# zoo: source=https://theneuralbase.com/pytorch/learn/intermediate/freezing-base-model-weights/
# zoo: onset=81
"""Fault (the cited page: "unfreezing then calling optimizer.step() uses stale param_groups"):
fine-tuning in two stages. The backbone is frozen and the optimizer built from the
trainable parameters (the head); after 5 epochs the backbone is unfrozen with
requires_grad_(True), but the optimizer is not told. From then on the backbone gets gradients
at every step and never changes: the second stage trains the head alone, at the cost of a full
backward pass (unoptimized-parameters). --fixed: add the backbone to the optimizer as a param
group with a smaller learning rate when unfreezing it."""

import argparse

import torch
import torch.nn.functional as F
from torch import nn
from torch.utils.data import DataLoader, TensorDataset

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
y = x[:, :1] * 2 - x[:, 1:2] ** 2 + 0.5 * torch.sin(3 * x[:, 2:3])
loader = DataLoader(TensorDataset(x, y), batch_size=32, shuffle=True, generator=torch.Generator().manual_seed(0))

model = Net()
model.backbone.requires_grad_(False)  # stage 1: "pretrained" backbone frozen, head only
optimizer = torch.optim.Adam([p for p in model.parameters() if p.requires_grad], lr=1e-3)
for epoch in range(15):
    if epoch == 5:  # stage 2: fine-tune everything
        model.backbone.requires_grad_(True)
        if args.fixed:
            optimizer.add_param_group({"params": model.backbone.parameters(), "lr": 1e-4})
        # the bug: without that, the optimizer still holds the head alone
    for xb, yb in loader:
        optimizer.zero_grad()
        loss = F.mse_loss(model(xb), yb)
        loss.backward()
        optimizer.step()
    print(f"epoch {epoch}: loss {loss.item():.4f}")
