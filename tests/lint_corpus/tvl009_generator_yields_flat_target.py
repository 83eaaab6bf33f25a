# expect: TVL009
# Batches come from a generator function of the script: it yields (inputs, targets) with the
# target a weighted sum of two input columns, shape (B,); the regressor outputs (B, 1).
import torch
from torch import nn


def synthetic_batches(steps, batch=128):
    for _ in range(steps):
        inputs = torch.rand(batch, 3)
        targets = 0.7 * inputs[:, 0] - 0.2 * inputs[:, 2]
        yield inputs, targets


class Regressor(nn.Module):
    def __init__(self):
        super().__init__()
        self.hidden = nn.Linear(3, 24)
        self.out = nn.Linear(24, 1)

    def forward(self, inputs):
        return self.out(torch.relu(self.hidden(inputs)))


reg = Regressor()
opt = torch.optim.RMSprop(reg.parameters(), lr=1e-3)
criterion = nn.HuberLoss()
for inputs, targets in synthetic_batches(500):
    loss = criterion(reg(inputs), targets)
    opt.zero_grad()
    loss.backward()
    opt.step()
