# expect: clean
# The optimizer keeps the decoder's parameters that require grad, and the encoder is frozen
# first, so no gradient goes unapplied.
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
ae.encoder.requires_grad_(False)
optimizer = torch.optim.Adam((p for p in ae.decoder.parameters() if p.requires_grad), lr=1e-3)
for epoch in range(30):
    batch = torch.rand(32, 20)
    loss = nn.functional.mse_loss(ae(batch), batch)
    optimizer.zero_grad()
    loss.backward()
    optimizer.step()
