# expect: TVL006
# A lower learning rate for the decoder is set by adding a second group, but the first group
# already holds every parameter of the autoencoder, decoder included.
import torch
import torch.nn as nn


class AutoEncoder(nn.Module):
    def __init__(self):
        super().__init__()
        self.encoder = nn.Linear(32, 8)
        self.decoder = nn.Linear(8, 32)

    def forward(self, x):
        return self.decoder(torch.relu(self.encoder(x)))


ae = AutoEncoder()
opt = torch.optim.SGD([
    {"params": ae.parameters()},
    {"params": ae.decoder.parameters(), "lr": 1e-3},
], lr=1e-2)
for _ in range(100):
    x = torch.randn(64, 32)
    loss = nn.functional.mse_loss(ae(x), x)
    opt.zero_grad()
    loss.backward()
    opt.step()
