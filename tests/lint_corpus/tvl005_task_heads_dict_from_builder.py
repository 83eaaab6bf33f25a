# expect: TVL005
# Multi-task model: a helper builds one head per task in a dict comprehension and the model
# keeps the plain dict, so the heads' weights are never handed to the optimizer.
import torch
import torch.nn as nn


class TaskHead(nn.Module):
    def __init__(self, width, n_out):
        super().__init__()
        self.proj = nn.Linear(width, n_out)

    def forward(self, h):
        return self.proj(h)


def heads_for(width, tasks):
    return {task: TaskHead(width, n) for task, n in tasks.items()}


class Shared(nn.Module):
    def __init__(self, tasks):
        super().__init__()
        self.trunk = nn.Linear(16, 32)
        self.heads = heads_for(32, tasks)

    def forward(self, x):
        h = torch.tanh(self.trunk(x))
        return {task: head(h) for task, head in self.heads.items()}


net = Shared({"age": 1, "mood": 4})
opt = torch.optim.SGD(net.parameters(), lr=0.05)
for _ in range(20):
    outs = net(torch.randn(8, 16))
    loss = outs["age"].pow(2).mean() + outs["mood"].logsumexp(dim=1).mean()
    opt.zero_grad()
    loss.backward()
    opt.step()
