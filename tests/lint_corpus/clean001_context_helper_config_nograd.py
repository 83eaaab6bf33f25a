# expect: clean
# A helper picks the autograd context from the run's settings; the settings literal leaves
# "frozen_forward" off, so the helper hands back a null context and the network trains normally.
import contextlib

import torch
import torch.nn as nn

RUN = {"frozen_forward": False, "lr": 0.01, "steps": 300}


def grad_context(run):
    return torch.inference_mode() if run["frozen_forward"] else contextlib.nullcontext()


net = nn.Sequential(nn.Linear(12, 32), nn.Tanh(), nn.Linear(32, 1))
opt = torch.optim.SGD(net.parameters(), lr=RUN["lr"])
for step in range(RUN["steps"]):
    x, y = torch.randn(16, 12), torch.randn(16, 1)
    with grad_context(RUN):
        out = net(x)
    loss = nn.functional.mse_loss(out, y)
    opt.zero_grad()
    loss.requires_grad_(True).backward()
    opt.step()
