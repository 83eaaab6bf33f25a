# expect: TVL006
# The optimizer's lists are filled by a loop that skips the encoder's parameters by name (the
# author meant it to stay as loaded), but nothing freezes the encoder: it still gets gradients
# every step and no optimizer applies them.
import torch
import torch.nn as nn


class Block(nn.Module):
    def __init__(self, d):
        super().__init__()
        self.proj = nn.Linear(d, d)

    def forward(self, x):
        return torch.relu(self.proj(x))


class Tagger(nn.Module):
    def __init__(self, d=32, tags=5):
        super().__init__()
        self.encoder = Block(d)
        self.norm = nn.LayerNorm(d)
        self.out = nn.Linear(d, tags)

    def forward(self, x):
        return self.out(self.norm(self.encoder(x)))


net = Tagger()
weights, others = [], []
for pname, param in net.named_parameters():
    if pname.startswith("encoder."):
        continue
    (weights if param.ndim > 1 else others).append(param)
opt = torch.optim.SGD([{"params": weights, "weight_decay": 1e-4}, {"params": others, "weight_decay": 0.0}], lr=0.05)

for step in range(200):
    x, y = torch.randn(16, 32), torch.randint(0, 5, (16,))
    loss = nn.functional.cross_entropy(net(x), y)
    opt.zero_grad()
    loss.backward()
    opt.step()
