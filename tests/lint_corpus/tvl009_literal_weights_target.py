# expect: TVL009
"""A synthetic regression whose target is built from hand-written true weights (a list literal
turned into a tensor): y is 1-D, the model ends in Linear(..., 1), and L1 loss broadcasts."""
import torch
import torch.nn as nn
import torch.nn.functional as F
from torch.utils.data import DataLoader, TensorDataset

torch.manual_seed(0)
features = torch.randn(4096, 3)
true_w = torch.tensor([1.5, -2.0, 0.7])
y = features @ true_w + 0.1 * torch.randn(4096)
loader = DataLoader(TensorDataset(features, y), batch_size=128, shuffle=True)

regressor = nn.Sequential(nn.Linear(3, 32), nn.Tanh(), nn.Linear(32, 1))
sgd = torch.optim.SGD(regressor.parameters(), lr=0.01)
for epoch in range(20):
    for xb, yb in loader:
        err = F.l1_loss(regressor(xb), yb)
        sgd.zero_grad()
        err.backward()
        sgd.step()
