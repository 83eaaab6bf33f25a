# expect: clean
"""The loop keeps a per-step record for plotting later: a tuple of the step number, the learning
rate and the loss. The loss goes in as a Python float, so the record list holds no step's
autograd graph."""
import torch
from torch import nn

net = nn.Sequential(nn.Linear(20, 64), nn.GELU(), nn.Linear(64, 20))
opt = torch.optim.AdamW(net.parameters(), lr=3e-4)
sched = torch.optim.lr_scheduler.CosineAnnealingLR(opt, T_max=1000)
curve = []
for step in range(1000):
    x = torch.randn(32, 20)
    recon = nn.functional.smooth_l1_loss(net(x), x)
    opt.zero_grad()
    recon.backward()
    opt.step()
    sched.step()
    curve.append((step, sched.get_last_lr()[0], recon.item()))
torch.save(curve, "curve.pt")
