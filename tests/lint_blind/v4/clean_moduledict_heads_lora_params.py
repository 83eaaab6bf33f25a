# expect: clean
# style: multi-task model with an nn.ModuleDict of heads built by a registry, plus a hand-written LoRA delta
# note: heads live in nn.ModuleDict (registered), LoRA factors are nn.Parameter, the frozen base weight is a buffer; a plain Python list only stores task *names*
import argparse

import torch
import torch.nn as nn
import torch.nn.functional as F

HEAD_REGISTRY = {}


def register_head(name):
    def deco(fn):
        HEAD_REGISTRY[name] = fn
        return fn
    return deco


@register_head("cls")
def cls_head(dim, n_out):
    return nn.Sequential(nn.Dropout(0.1), nn.Linear(dim, n_out))


@register_head("reg")
def reg_head(dim, n_out):
    return nn.Sequential(nn.Linear(dim, dim), nn.Tanh(), nn.Linear(dim, n_out))


class LoRAProjection(nn.Module):
    def __init__(self, dim, rank=4):
        super().__init__()
        self.register_buffer("base_weight", torch.randn(dim, dim) / dim ** 0.5)
        self.A = nn.Parameter(torch.randn(rank, dim) * 0.01)
        self.B = nn.Parameter(torch.zeros(dim, rank))

    def forward(self, x):
        return x @ (self.base_weight + self.B @ self.A).t()


class MultiTaskModel(nn.Module):
    def __init__(self, tasks, dim=128):
        super().__init__()
        self.task_names = [t for t, _, _ in tasks]
        self.encoder = nn.Sequential(nn.Linear(32, dim), nn.GELU())
        self.proj = LoRAProjection(dim)
        self.heads = nn.ModuleDict({t: HEAD_REGISTRY[kind](dim, n) for t, kind, n in tasks})

    def forward(self, x):
        h = self.proj(self.encoder(x))
        return {t: self.heads[t](h) for t in self.task_names}


if __name__ == "__main__":
    ap = argparse.ArgumentParser()
    ap.add_argument("--steps", type=int, default=400)
    args = ap.parse_args()
    model = MultiTaskModel([("sentiment", "cls", 3), ("score", "reg", 1)])
    opt = torch.optim.Adam(model.parameters(), lr=1e-3)
    for step in range(args.steps):
        x = torch.randn(64, 32)
        out = model(x)
        loss = F.cross_entropy(out["sentiment"], torch.randint(0, 3, (64,))) \
            + F.mse_loss(out["score"].squeeze(-1), torch.randn(64))
        opt.zero_grad()
        loss.backward()
        opt.step()
        if step % 100 == 0:
            print(step, round(loss.item(), 4))
