# expect: TVL009
# The network comes from a builder function whose head size defaults to one output; the targets
# are drawn as a flat (N,) tensor, so the (N, 1) predictions broadcast against them in L1Loss.
import torch
from torch import nn


def build_net(n_in, width=128, n_out=1):
    return nn.Sequential(nn.Linear(n_in, width), nn.LeakyReLU(), nn.Linear(width, width), nn.LeakyReLU(),
                         nn.Linear(width, n_out))


coords = torch.rand(10000, 2)
heights = torch.sin(6.0 * coords[:, 0]) * torch.cos(4.0 * coords[:, 1])
field = build_net(2)
opt = torch.optim.Adam(field.parameters(), lr=1e-3)
l1 = nn.L1Loss()
for it in range(3000):
    pick = torch.randint(0, len(coords), (512,))
    loss = l1(field(coords[pick]), heights[pick])
    opt.zero_grad()
    loss.backward()
    opt.step()
