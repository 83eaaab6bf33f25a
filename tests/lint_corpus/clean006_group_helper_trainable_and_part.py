# expect: clean
# A helper builds the parameter groups: the encoder's trainable parameters at the base rate,
# the decoder at five times the rate; no parameter sits in two groups.
import torch
import torch.nn as nn


class AutoEncoder(nn.Module):
    def __init__(self):
        super().__init__()
        self.encoder = nn.Sequential(nn.Linear(32, 8), nn.Tanh())
        self.decoder = nn.Linear(8, 32)

    def forward(self, x):
        return self.decoder(self.encoder(x))


def lr_groups(net, lr):
    return (
        {"params": filter(lambda t: t.requires_grad, net.encoder.parameters()), "lr": lr},
        {"params": net.decoder.parameters(), "lr": lr * 5},
    )


ae = AutoEncoder()
opt = torch.optim.RMSprop(lr_groups(ae, 1e-3))
for x in torch.randn(50, 16, 32):
    loss = nn.functional.mse_loss(ae(x), x)
    opt.zero_grad()
    loss.backward()
    opt.step()
