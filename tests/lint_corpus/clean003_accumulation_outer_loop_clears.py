# expect: clean
# Micro-batches are split off each batch and backpropagated in an inner loop; the outer
# while-loop steps once per batch and then clears the gradients for the next batch.
import torch
import torch.nn as nn


class Regressor(nn.Module):
    def __init__(self):
        super().__init__()
        self.body = nn.Sequential(nn.Linear(12, 32), nn.Tanh(), nn.Linear(32, 1))

    def forward(self, x):
        return self.body(x)


net = Regressor()
optim = torch.optim.Adam(net.parameters(), lr=1e-3)
stream = iter([(torch.randn(64, 12), torch.randn(64, 1)) for _ in range(200)])
updates = 0
while updates < 200:
    xb, yb = next(stream)
    pieces = list(zip(xb.chunk(4), yb.chunk(4)))
    for xs, ys in pieces:
        part = nn.functional.mse_loss(net(xs), ys) / len(pieces)
        part.backward()
    optim.step()
    optim.zero_grad()
    updates += 1
