# zoo: expect=unscaled-inputs
# zoo: source=https://stats.stackexchange.com/questions/372762 (28x28 images fed as 0..255 floats: 10% accuracy, 85% once divided by 255)
"""Fault: 8-bit images are converted to float and fed to a small CNN as 0..255 values: the
first layer's gradient is ~100x what the learning rate was chosen for, the first SGD steps throw
the weights far away and the classifier ends at chance.
--fixed: the pixels divided by 255."""

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

g = torch.Generator().manual_seed(0)
templates = torch.rand(4, 1, 12, 12, generator=g)
y = torch.randint(0, 4, (1024,), generator=g)
pixels = (255 * (0.6 * templates[y] + 0.4 * torch.rand(1024, 1, 12, 12, generator=g))).to(torch.uint8)
x = pixels.float() / 255 if args.fixed else pixels.float()  # the bug: never divided by 255
loader = DataLoader(TensorDataset(x, y), batch_size=32, shuffle=True)

model = nn.Sequential(nn.Conv2d(1, 8, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2), nn.Flatten(), nn.Linear(8 * 36, 4))
optimizer = torch.optim.SGD(model.parameters(), lr=0.01, momentum=0.9)
for epoch in range(2):
    for xb, yb in loader:
        optimizer.zero_grad()
        loss = F.cross_entropy(model(xb), yb)
        loss.backward()
        optimizer.step()
    print(f"epoch {epoch}: loss {loss.item():.3f}")
