# zoo: expect=init-loss-off
# zoo: source=Karpathy, "A Recipe for Training Neural Networks" (2019), "verify loss @ init": http://karpathy.github.io/2019/04/25/recipe/
"""Fault: the classifier's last layer is initialised with nn.init.normal_(std=1.0) over 256
hidden features: the logits start with a spread of about 16, the loss at init is many times
ln 10 and the first steps only shrink the head (init-loss-off). --fixed: the default
(Kaiming-uniform) initialisation of nn.Linear."""

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
centers = 2.0 * torch.randn(10, 20, generator=g)
y = torch.randint(0, 10, (1024,), generator=g)
x = centers[y] + torch.randn(1024, 20, generator=g)

model = nn.Sequential(nn.Linear(20, 256), nn.ReLU(), nn.Linear(256, 10))
if not args.fixed:
    nn.init.normal_(model[2].weight, std=1.0)  # the bug: logits of std ~16 at init
optimizer = torch.optim.Adam(model.parameters(), lr=1e-3)
for _ in range(100):
    i = torch.randint(0, len(x), (64,), generator=g)
    loss = F.cross_entropy(model(x[i]), y[i])
    optimizer.zero_grad()
    loss.backward()
    optimizer.step()
print(f"final loss {loss.item():.4f}")
