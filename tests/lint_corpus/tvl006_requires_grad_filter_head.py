# expect: TVL006
# The optimizer keeps the decoder's parameters that require grad, as if something had frozen
# the rest; nothing did, so the encoder's gradients are computed every step and never applied.
import torch
import torch.nn as nn


class AutoEncoder(nn.Module):
    def __init__(self):
        super().__init__()
        self.encoder = nn.Sequential(nn.Linear(20, 8), nn.ReLU())
        self.decoder = nn.Sequential(nn.Linear(8, 20))

    def forward(self, x):
        return self.decoder(self.encoder(x))


ae = AutoEncoder()
optimizer = torch.optim.Adam((p for p in ae.decoder.parameters() if p.requires_grad), lr=1e-3)
for epoch in range(30):
    batch = torch.rand(32, 20)
    loss = nn.functional.mse_loss(ae(batch), batch)
    optimizer.zero_grad()
    loss.backward()
    optimizer.step()
