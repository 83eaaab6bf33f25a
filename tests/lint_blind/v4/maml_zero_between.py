# expect: TVL003
# style: MAML meta-learning (learn2learn-free, torch.func.functional_call inner loop)
# bug: meta_opt.zero_grad() is called between meta_loss.backward() and meta_opt.step(), so the outer step always applies zero gradients
import argparse

import torch
import torch.nn as nn
import torch.nn.functional as F
from torch.func import functional_call


def sine_task(n_shot=10):
    amp, phase = torch.rand(1) * 4.9 + 0.1, torch.rand(1) * 3.14
    x = torch.rand(2 * n_shot, 1) * 10 - 5
    y = amp * torch.sin(x + phase)
    return (x[:n_shot], y[:n_shot]), (x[n_shot:], y[n_shot:])


class Regressor(nn.Module):
    def __init__(self):
        super().__init__()
        self.net = nn.Sequential(nn.Linear(1, 40), nn.ReLU(), nn.Linear(40, 40), nn.ReLU(), nn.Linear(40, 1))

    def forward(self, x):
        return self.net(x)


def adapt(model, support, inner_lr, steps):
    params = dict(model.named_parameters())
    xs, ys = support
    for _ in range(steps):
        loss = F.mse_loss(functional_call(model, params, (xs,)), ys)
        grads = torch.autograd.grad(loss, list(params.values()), create_graph=True)
        params = {k: v - inner_lr * g for (k, v), g in zip(params.items(), grads)}
    return params


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--meta-batch", type=int, default=8)
    ap.add_argument("--iterations", type=int, default=2000)
    ap.add_argument("--inner-lr", type=float, default=0.01)
    ap.add_argument("--inner-steps", type=int, default=1)
    args = ap.parse_args()
    model = Regressor()
    meta_opt = torch.optim.Adam(model.parameters(), lr=1e-3)
    for it in range(args.iterations):
        meta_loss = 0.0
        for _ in range(args.meta_batch):
            support, query = sine_task()
            fast = adapt(model, support, args.inner_lr, args.inner_steps)
            meta_loss = meta_loss + F.mse_loss(functional_call(model, fast, (query[0],)), query[1])
        meta_loss = meta_loss / args.meta_batch
        meta_loss.backward()
        meta_opt.zero_grad()
        meta_opt.step()
        if it % 100 == 0:
            print(f"it {it} meta-loss {meta_loss.item():.4f}")


if __name__ == "__main__":
    main()
