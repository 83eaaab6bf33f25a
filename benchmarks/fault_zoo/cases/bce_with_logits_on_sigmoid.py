# zoo: expect=probabilities-as-logits
# zoo: source=https://github.com/avBuffer/UNet3plus_pth/issues/23 (sigmoid in the model and in BCEWithLogitsLoss: the loss does not decrease)
"""Fault: a binary classifier whose last layer is nn.Sigmoid(), trained with
nn.BCEWithLogitsLoss, which applies its own sigmoid: the loss sees sigmoid(sigmoid(z)), confined
to [0.5, 0.73], so even a perfect model keeps a large loss and the gradient is squashed. One
sigmoid column cannot be told from small logits by its values; the autograd op that produced it
can (probabilities-as-logits). --fixed: no nn.Sigmoid in the model (apply it only for
prediction)."""

import argparse

import torch
from torch import nn

torch.set_num_threads(1)
parser = argparse.ArgumentParser()
parser.add_argument("--fixed", action="store_true")
args = parser.parse_args()
torch.manual_seed(0)

g = torch.Generator().manual_seed(0)
x = torch.randn(2048, 12, generator=g)
y = ((x[:, 0] - x[:, 1] + 0.3 * x[:, 2] * x[:, 3]) > 0).float().unsqueeze(1)

last = [] if args.fixed else [nn.Sigmoid()]  # the bug: a sigmoid before BCEWithLogitsLoss
model = nn.Sequential(nn.Linear(12, 32), nn.ReLU(), nn.Linear(32, 1), *last)
criterion = nn.BCEWithLogitsLoss()
optimizer = torch.optim.Adam(model.parameters(), lr=1e-3)
for _ in range(200):
    i = torch.randint(0, len(x), (64,), generator=g)
    optimizer.zero_grad()
    loss = criterion(model(x[i]), y[i])
    loss.backward()
    optimizer.step()
with torch.no_grad():
    out = model(x)
    acc = (((out > 0.5) if not args.fixed else (out > 0)).float() == y).float().mean().item()
print(f"final loss {loss.item():.4f}, accuracy {acc:.3f}")
