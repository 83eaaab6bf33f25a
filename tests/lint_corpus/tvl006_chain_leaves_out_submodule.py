# expect: TVL006
# The optimizer chains the parameters of the encoder and the decoder of an autoencoder, but
# the bottleneck layer between them trains with gradients, is not frozen, and is left out.
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
opt = torch.optim.Adam(itertools.chain(ae.enc.parameters(), ae.dec.parameters()), lr=1e-3)
for _ in range(10):
    x = torch.randn(4, 8)
    loss = nn.functional.mse_loss(ae(x), x)
    opt.zero_grad()
    loss.backward()
    opt.step()
