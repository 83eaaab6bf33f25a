# expect: clean
"""Two training phases over the same network: SGD warm-up epochs, then a fresh AdamW for the
fine phase once the SGD loop is over (a common 'switch optimizer' recipe); no step sees both."""
import torch
import torch.nn as nn
import torch.nn.functional as F


class Regressor(nn.Module):
    def __init__(self):
        super().__init__()
        self.body = nn.Sequential(nn.Linear(4, 32), nn.GELU(), nn.Linear(32, 1))

    def forward(self, x):
        return self.body(x).squeeze(-1)


def main():
    net = Regressor()
    x, y = torch.randn(512, 4), torch.randn(512)
    sgd = torch.optim.SGD(net.parameters(), lr=0.05, momentum=0.9)
    for epoch in range(20):
        sgd.zero_grad()
        F.smooth_l1_loss(net(x), y).backward()
        sgd.step()
    fine = torch.optim.AdamW(net.parameters(), lr=1e-4)
    for epoch in range(20):
        fine.zero_grad()
        F.smooth_l1_loss(net(x), y).backward()
        fine.step()


if __name__ == "__main__":
    main()
