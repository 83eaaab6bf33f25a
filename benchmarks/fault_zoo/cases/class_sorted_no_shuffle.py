# zoo: expect=single-class-batches
# zoo: source=https://stackoverflow.com/questions/54354465 (100-class classifier at 2-3% validation accuracy with shuffle=False over class-ordered data, 70% with shuffle=True)
"""Fault: the training set is stored sorted by class (all of class 0, then class 1, ...) and
the DataLoader does not shuffle: each batch holds one class, the classifier is pulled towards
the current class for ~8 steps at a time and forgets the others.
--fixed: shuffle=True."""

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
classes, per_class = 10, 256
centers = 2 * torch.randn(classes, 16, generator=g)
y = torch.arange(classes).repeat_interleave(per_class)  # sorted by class, as stored on disk
x = centers[y] + torch.randn(len(y), 16, generator=g)
loader = DataLoader(TensorDataset(x, y), batch_size=32, shuffle=args.fixed)  # the bug: no shuffle

model = nn.Sequential(nn.Linear(16, 64), nn.ReLU(), nn.Linear(64, classes))
optimizer = torch.optim.SGD(model.parameters(), lr=0.05, momentum=0.9)
for epoch in range(2):
    for xb, yb in loader:
        optimizer.zero_grad()
        loss = F.cross_entropy(model(xb), yb)
        loss.backward()
        optimizer.step()
    with torch.no_grad():
        acc = (model(x).argmax(1) == y).float().mean()
    print(f"epoch {epoch}: loss {loss.item():.3f}, train accuracy {acc:.2f}")
