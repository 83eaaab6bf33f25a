# zoo: expect=nonfinite-gradient
# zoo: source=https://github.com/pytorch/pytorch/issues/2421
"""Fault: a siamese network trained with the contrastive loss, the Euclidean distance written
as ((a - b) ** 2).sum(-1).sqrt(). Pairs are sampled with replacement, so now and then a
"positive pair" is the same sample twice: its distance is exactly 0, the loss is still finite,
but the backward of sqrt at 0 is inf, times 0 → NaN. The optimizer writes the NaN into every
weight it reaches (nonfinite-gradient). --fixed: F.pairwise_distance, which adds a small eps
inside the norm."""

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
labels = torch.randint(0, 10, (1000,), generator=g)
x = torch.randn(10, 32, generator=g)[labels] + 0.5 * torch.randn(1000, 32, generator=g)
by_class = [torch.nonzero(labels == c).squeeze(1) for c in range(10)]

# No bias on the embedding layer: a distance between two embeddings cancels it (zero gradient).
encoder = nn.Sequential(nn.Linear(32, 64), nn.ReLU(), nn.Linear(64, 16, bias=False))
optimizer = torch.optim.Adam(encoder.parameters(), lr=1e-3)
margin = 2.0
for step in range(200):
    a = torch.randint(0, len(x), (64,), generator=g)
    same = torch.rand(64, generator=g) < 0.5
    pick = torch.tensor([by_class[c][torch.randint(0, len(by_class[c]), (1,), generator=g)].item()
                         for c in labels[a].tolist()])  # a random sample of the same class
    b = torch.where(same, pick, torch.randint(0, len(x), (64,), generator=g))
    za, zb = encoder(x[a]), encoder(x[b])
    if args.fixed:
        d = F.pairwise_distance(za, zb)
    else:
        d = ((za - zb) ** 2).sum(-1).sqrt()  # the bug: d sqrt(0) = inf when a == b
    positive = (labels[a] == labels[b]).float()
    loss = (positive * d.pow(2) + (1 - positive) * F.relu(margin - d).pow(2)).mean()
    optimizer.zero_grad()
    loss.backward()
    optimizer.step()
    if step % 50 == 0:
        print(f"step {step}: loss {loss.item():.4f}")
print(f"final loss {loss.item():.4f}")
