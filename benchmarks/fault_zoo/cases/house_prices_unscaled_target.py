# zoo: expect=unscaled-targets
# zoo: source=https://community.deeplearning.ai/t/multiple-linear-regression-housing-prices-problem-cost-too-high/211759 (features standardised, prices left in their own units: a huge cost that only scaling the target brought down)
"""Fault: a house-price regressor with standardised features is trained on prices in dollars
(~3e5): the MSE gradient is ~1e5 times that of a unit-scale target, the first SGD step throws
the network far away and it ends up predicting one value.
--fixed: the prices standardised (and predictions mapped back)."""

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
x = torch.randn(2048, 8, generator=g)  # standardised features
price = 3e5 + 8e4 * (x[:, :1] - 0.5 * x[:, 1:2]) + 2e4 * torch.randn(2048, 1, generator=g)
y = (price - price.mean()) / price.std() if args.fixed else price  # the bug: dollars
loader = DataLoader(TensorDataset(x, y), batch_size=64, shuffle=True)

model = nn.Sequential(nn.Linear(8, 32), nn.ReLU(), nn.Linear(32, 1))
optimizer = torch.optim.SGD(model.parameters(), lr=1e-3)
for epoch in range(2):
    for xb, yb in loader:
        optimizer.zero_grad()
        loss = F.mse_loss(model(xb), yb)
        loss.backward()
        optimizer.step()
    print(f"epoch {epoch}: loss {loss.item():.3g}")
