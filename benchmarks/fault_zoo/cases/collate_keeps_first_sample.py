# zoo: expect=batch-collapsed
# zoo: source=https://github.com/modelscope/DiffSynth-Studio/issues/928 (collate_fn=lambda x: x[0] keeps the first sample of every batch: "the effective batch size becomes 1 no matter what we set")
"""Fault: the DataLoader is built with batch_size=32 but its collate_fn returns the first sample
of each batch, unbatched: the convolutional classifier (which accepts one unbatched image as
well) trains on one image per step and never sees the other 31.
--fixed: the default collate_fn, which stacks the 32 samples into one batch."""

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
x = torch.randn(1024, 3, 8, 8, generator=g)
y = (x[:, 0].mean((1, 2)) > 0).long() + 2 * (x[:, 1].mean((1, 2)) > 0).long()
loader = DataLoader(TensorDataset(x, y), batch_size=32, shuffle=True,
                    collate_fn=None if args.fixed else (lambda batch: batch[0]))  # the bug

model = nn.Sequential(nn.Conv2d(3, 8, 3, padding=1), nn.ReLU(), nn.AdaptiveAvgPool2d(1), nn.Flatten(-3), nn.Linear(8, 4))
optimizer = torch.optim.SGD(model.parameters(), lr=0.05, momentum=0.9)
for epoch in range(2):
    for xb, yb in loader:
        optimizer.zero_grad()
        loss = F.cross_entropy(model(xb), yb)
        loss.backward()
        optimizer.step()
    print(f"epoch {epoch}: loss {loss.item():.3f}")
