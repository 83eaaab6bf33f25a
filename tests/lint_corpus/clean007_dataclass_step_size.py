# expect: clean
from dataclasses import dataclass

import torch


@dataclass
class RunSettings:
    lr: float = 0.05
    decay_every: int = 25
    n_epochs: int = 75


settings = RunSettings()
net = torch.nn.Sequential(torch.nn.Linear(10, 32), torch.nn.ReLU(), torch.nn.Linear(32, 1))
opt = torch.optim.SGD(net.parameters(), lr=settings.lr, momentum=0.9)
decay = torch.optim.lr_scheduler.StepLR(opt, settings.decay_every, gamma=0.3)
for epoch in range(settings.n_epochs):
    for xb, yb in loader:
        loss = torch.nn.functional.mse_loss(net(xb), yb)
        opt.zero_grad()
        loss.backward()
        opt.step()
    decay.step()
