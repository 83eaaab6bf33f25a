# expect: clean
# style: neural-style-transfer / physics-informed fitting script using torch.optim.LBFGS with a closure
# note: zero_grad, forward, backward all live inside the closure passed to optimizer.step(closure); the outer loop only calls step — correct LBFGS usage
import argparse
import math

import torch
import torch.nn as nn


class PINN(nn.Module):
    def __init__(self, width=32, depth=3):
        super().__init__()
        layers, d = [], 1
        for _ in range(depth):
            layers += [nn.Linear(d, width), nn.Tanh()]
            d = width
        layers.append(nn.Linear(d, 1))
        self.net = nn.Sequential(*layers)

    def forward(self, x):
        return self.net(x)


def physics_residual(model, x):
    x = x.clone().requires_grad_(True)
    u = model(x)
    du = torch.autograd.grad(u.sum(), x, create_graph=True)[0]
    d2u = torch.autograd.grad(du.sum(), x, create_graph=True)[0]
    return d2u + (math.pi ** 2) * torch.sin(math.pi * x)  # u'' = -pi^2 sin(pi x)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--outer-steps", type=int, default=50)
    ap.add_argument("--n-colloc", type=int, default=256)
    args = ap.parse_args()
    model = PINN()
    optimizer = torch.optim.LBFGS(model.parameters(), lr=1.0, max_iter=20, history_size=50, line_search_fn="strong_wolfe")
    x_col = torch.rand(args.n_colloc, 1) * 2 - 1
    x_bc = torch.tensor([[-1.0], [1.0]])
    u_bc = torch.zeros(2, 1)

    def closure():
        optimizer.zero_grad()
        res = physics_residual(model, x_col)
        loss = (res ** 2).mean() + ((model(x_bc) - u_bc) ** 2).mean()
        loss.backward()
        return loss

    model.train()
    for it in range(args.outer_steps):
        loss = optimizer.step(closure)
        if it % 10 == 0:
            with torch.no_grad():
                xt = torch.linspace(-1, 1, 101).unsqueeze(1)
                err = (model(xt) - torch.sin(math.pi * xt)).abs().max().item()
            print(f"iter {it}: loss {loss.item():.3e} max|err| {err:.3e}")


if __name__ == "__main__":
    main()
