# expect: clean
import torch
import torch.nn as nn
import torch.nn.functional as F


class ToxicityHead(nn.Module):
    def __init__(self, d=48, n_labels=6):
        super().__init__()
        self.proj = nn.Sequential(nn.Linear(d, d), nn.Tanh(), nn.Linear(d, n_labels))

    def forward(self, pooled):
        return self.proj(pooled)


class Fitter:
    def __init__(self, net, device="cpu"):
        self.device = device
        self.net = net.to(device)
        self.opt = torch.optim.Adam(net.parameters(), lr=1e-3)

    def step(self, pooled, labels):
        logits = self.net(pooled.to(self.device))
        loss = F.binary_cross_entropy_with_logits(logits, labels.to(self.device))
        self.opt.zero_grad()
        loss.backward()
        self.opt.step()
        return loss.item()


fitter = Fitter(ToxicityHead())
for _ in range(10):
    fitter.step(torch.randn(16, 48), torch.randint(0, 2, (16, 6)).float())
