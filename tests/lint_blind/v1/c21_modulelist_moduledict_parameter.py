# expect: clean
# style: GitHub research repo (mixture-of-experts MLP with ModuleList experts, ModuleDict heads, nn.Parameter gates)
# note: sub-modules are registered via nn.ModuleList / nn.ModuleDict; learnable tensors are nn.Parameter; a plain list holds only ints
import argparse

import torch
import torch.nn as nn
import torch.nn.functional as F


class MoEBlock(nn.Module):
    def __init__(self, dim, n_experts=4, hidden_sizes=(256, 256)):
        super().__init__()
        self.hidden_sizes = list(hidden_sizes)  # plain config list of ints, not modules
        self.experts = nn.ModuleList(
            nn.Sequential(nn.Linear(dim, self.hidden_sizes[0]), nn.GELU(), nn.Linear(self.hidden_sizes[1], dim))
            for _ in range(n_experts))
        self.gate = nn.Parameter(torch.zeros(dim, n_experts))
        self.temperature = nn.Parameter(torch.tensor(1.0))
        self.register_buffer("usage", torch.zeros(n_experts))

    def forward(self, x):
        weights = F.softmax(x @ self.gate / self.temperature, dim=-1)
        if self.training:
            self.usage.mul_(0.99).add_(0.01 * weights.detach().mean(0))
        outs = torch.stack([e(x) for e in self.experts], dim=-1)
        return x + (outs * weights.unsqueeze(1)).sum(-1)


class MultiHeadModel(nn.Module):
    def __init__(self, dim, tasks):
        super().__init__()
        self.trunk = nn.Sequential(MoEBlock(dim), MoEBlock(dim))
        self.heads = nn.ModuleDict({name: nn.Linear(dim, n) for name, n in tasks.items()})

    def forward(self, x, task):
        return self.heads[task](self.trunk(x))


if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("--dim", type=int, default=64)
    parser.add_argument("--steps", type=int, default=600)
    args = parser.parse_args()
    tasks = {"a": 3, "b": 5}
    model = MultiHeadModel(args.dim, tasks)
    optimizer = torch.optim.Adam(model.parameters(), lr=1e-3)
    model.train()
    for step in range(args.steps):
        task = "a" if step % 2 == 0 else "b"
        x, y = torch.randn(32, args.dim), torch.randint(0, tasks[task], (32,))
        optimizer.zero_grad()
        loss = F.cross_entropy(model(x, task), y)
        loss.backward()
        optimizer.step()
        if step % 100 == 0:
            print(step, task, round(loss.item(), 4), model.trunk[0].usage.tolist())
