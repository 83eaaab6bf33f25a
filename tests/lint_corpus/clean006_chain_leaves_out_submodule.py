# expect: clean
# Twin of tvl006_chain_leaves_out_submodule: the chain includes the bottleneck.
import itertools

import torch
import torch.nn as nn


class AE(nn.Module):
    def __init__(self):
        super().__init__()
        self.enc = nn.Linear(8, 4)
        self.bottleneck = nn.Linear(4, 4)
        self.dec = nn.Linear(4, 8)

    def forward(self, x):
        return self.dec(torch.relu(self.bottleneck(torch.relu(self.enc(x)))))


ae = AE()
opt = torch.optim.Adam(itertools.chain(ae.enc.parameters(), ae.bottleneck.parameters(), ae.dec.parameters()), lr=1e-3)
for _ in range(10):
    x = torch.randn(4, 8)
    loss = nn.functional.mse_loss(ae(x), x)
    opt.zero_grad()
    loss.backward()
    opt.step()
