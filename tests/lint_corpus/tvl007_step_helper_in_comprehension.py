# expect: TVL007
# A plain per-batch helper steps the scheduler it is given; the epoch loop calls it once per
# batch inside a generator expression, and the schedule it gets is a StepLR counted in epochs.
import torch
import torch.nn as nn


def update(net, opt, sched, xb, yb):
    loss = nn.functional.mse_loss(net(xb), yb)
    opt.zero_grad()
    loss.backward()
    opt.step()
    sched.step()
    return loss.item()


net = nn.Linear(5, 1)
opt = torch.optim.SGD(net.parameters(), lr=0.05, momentum=0.9)
sched = torch.optim.lr_scheduler.StepLR(opt, step_size=10, gamma=0.5)
data = [(torch.randn(32, 5), torch.randn(32, 1)) for _ in range(40)]
for epoch in range(30):
    total = sum(update(net, opt, sched, xb, yb) for xb, yb in data)
    print(epoch, total / len(data))
