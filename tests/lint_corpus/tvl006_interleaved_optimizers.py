# expect: TVL006
"""The same network in two optimizers built up front and both stepped every batch: each
parameter gets two updates per step (the phase switch of the clean twin was meant)."""
import torch
import torch.nn as nn
import torch.nn.functional as F


def main():
    net = nn.Sequential(nn.Linear(4, 32), nn.GELU(), nn.Linear(32, 1))
    x, y = torch.randn(512, 4), torch.randn(512, 1)
    sgd = torch.optim.SGD(net.parameters(), lr=0.05, momentum=0.9)
    fine = torch.optim.AdamW(net.parameters(), lr=1e-4)
    for epoch in range(20):
        sgd.zero_grad()
        fine.zero_grad()
        F.smooth_l1_loss(net(x), y).backward()
        sgd.step()
        fine.step()


if __name__ == "__main__":
    main()
