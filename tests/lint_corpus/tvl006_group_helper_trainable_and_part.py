# expect: TVL006
# A helper builds the parameter groups: every trainable parameter at the base rate, then the
# decoder again at five times the rate, so the decoder's parameters sit in two groups.
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
        {"params": filter(lambda t: t.requires_grad, net.parameters()), "lr": lr},
        {"params": net.decoder.parameters(), "lr": lr * 5},
    )


ae = AutoEncoder()
opt = torch.optim.RMSprop(lr_groups(ae, 1e-3))
for x in torch.randn(50, 16, 32):
    loss = nn.functional.mse_loss(ae(x), x)
    opt.zero_grad()
    loss.backward()
    opt.step()
