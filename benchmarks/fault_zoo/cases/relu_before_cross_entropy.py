# zoo: expect=clipped-logits
# zoo: source=https://stats.stackexchange.com/questions/257127 (a ReLU before the loss: "to get 0 with Sigmoid I need negative argument, which is supressed by ReLU"; Lightning's backbone_image_classifier.py example applies torch.relu to its logits)
"""Fault: a ReLU after the classifier's last layer, before nn.CrossEntropyLoss (clipped-logits):
logits held at 0 from below; a class whose logit stays at 0 is never predicted. --fixed: the
raw scores."""

import argparse

import torch
from torch import nn

torch.set_num_threads(1)
parser = argparse.ArgumentParser()
parser.add_argument("--fixed", action="store_true")
args = parser.parse_args()
torch.manual_seed(0)

g = torch.Generator().manual_seed(0)
centers = 2.0 * torch.randn(10, 16, generator=g)
y = torch.randint(0, 10, (2048,), generator=g)
x = centers[y] + torch.randn(2048, 16, generator=g)

layers = [nn.Linear(16, 64), nn.ReLU(), nn.Linear(64, 10)]
model = nn.Sequential(*layers if args.fixed else [*layers, nn.ReLU()])  # the bug: a ReLU on the logits
optimizer = torch.optim.Adam(model.parameters(), lr=1e-3)
criterion = nn.CrossEntropyLoss()
for _ in range(250):
    i = torch.randint(0, len(x), (32,), generator=g)
    optimizer.zero_grad()
    loss = criterion(model(x[i]), y[i])
    loss.backward()
    optimizer.step()
print(f"final loss {loss.item():.4f}")
