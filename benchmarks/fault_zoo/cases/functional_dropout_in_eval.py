# zoo: expect=dropout-active
# zoo: source=https://github.com/pytorch/pytorch/issues/26338 (F.dropout is not switched off by model.eval()); https://github.com/Coderx7/SimpleNet/issues/2
"""Fault: the forward calls F.dropout2d(out, 0.1, training=True) (as in the SimpleNet report):
model.eval() switches nn.Dropout modules off but not a functional call, so every evaluation
and prediction is noisy (dropout-active). --fixed: training=self.training."""

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
x = torch.randn(512, 1, 12, 12, generator=g)
y = (x[:, 0, :6].mean(dim=(1, 2)) > x[:, 0, 6:].mean(dim=(1, 2))).long()


class SimpleNet(nn.Module):
    def __init__(self) -> None:
        super().__init__()
        self.features = nn.Sequential(nn.Conv2d(1, 8, 3, padding=1), nn.ReLU(), nn.Conv2d(8, 16, 3, padding=1), nn.ReLU())
        self.classifier = nn.Linear(16, 2)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        out = F.max_pool2d(self.features(x), kernel_size=x.shape[2:])
        out = F.dropout2d(out, 0.1, training=self.training if args.fixed else True)  # the bug
        return self.classifier(out.flatten(1))


model = SimpleNet()
optimizer = torch.optim.SGD(model.parameters(), lr=0.05, momentum=0.9)
for _epoch in range(2):
    model.train()
    for _ in range(40):
        i = torch.randint(0, len(x), (32,), generator=g)
        loss = F.cross_entropy(model(x[i]), y[i])
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
    model.eval()
    with torch.no_grad():
        acc = (model(x[:128]).argmax(1) == y[:128]).float().mean()
print(f"final loss {loss.item():.4f}, accuracy {acc:.3f}")
