# zoo: expect=unscaled-targets,prediction-collapse
# zoo: source=a field report (predictions collapsed to constant values)
"""Fault: a price-level regressor trained on raw targets (mean ~50) instead of standardised ones.
The first SGD steps are enormous; they push every hidden ReLU below zero for every input, the
dead units pass no gradient, and from then on only the output bias learns: the model predicts
one constant, the target mean, for every sample (prediction-collapse, the symptom of seed 000).
--fixed: targets standardised (and the prediction mapped back)."""

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
x = torch.randn(1024, 16, generator=g)
price = 50 + 10 * (x[:, :1] - 0.5 * x[:, 1:2]) + 3 * torch.randn(1024, 1, generator=g)
mu, sd = price.mean(), price.std()
y = (price - mu) / sd if args.fixed else price  # the bug: raw targets

model = nn.Sequential(nn.Linear(16, 64), nn.ReLU(), nn.Linear(64, 64), nn.ReLU(), nn.Linear(64, 1))
optimizer = torch.optim.SGD(model.parameters(), lr=5e-3, momentum=0.9)
for step in range(300):
    i = torch.randint(0, len(x), (64,), generator=g)
    optimizer.zero_grad()
    loss = F.mse_loss(model(x[i]), y[i])
    loss.backward()
    optimizer.step()
    if step % 100 == 0:
        with torch.no_grad():
            print(f"step {step}: loss {loss.item():.4g}, prediction std {model(x[:256]).std():.2e}")
