# expect: clean
# A scheduler builder that can return an epoch schedule or a per-step one-cycle schedule; the
# config picks one-cycle, which is meant to be stepped every batch. Not knowing which branch
# runs, nothing is claimed.
import torch
import torch.nn as nn


def build_sched(opt, kind, steps):
    if kind == "step":
        return torch.optim.lr_scheduler.StepLR(opt, step_size=10)
    return torch.optim.lr_scheduler.OneCycleLR(opt, max_lr=0.1, total_steps=steps)


net = nn.Linear(4, 1)
opt = torch.optim.SGD(net.parameters(), lr=0.1)
batches = [(torch.randn(8, 4), torch.randn(8, 1))] * 10
sched = build_sched(opt, "onecycle", 5 * len(batches))
for epoch in range(5):
    for x, y in batches:
        loss = nn.functional.mse_loss(net(x), y)
        opt.zero_grad()
        loss.backward()
        opt.step()
        sched.step()
