# expect: clean
# style: PINN / neural style-transfer research code using torch.optim.LBFGS with a closure
# note: zero_grad + backward happen inside the closure that optimizer.step(closure) calls -- correct LBFGS usage
import argparse

import torch
import torch.nn as nn


class PINN(nn.Module):
    """u(x, t) for the 1-D heat equation u_t = k u_xx."""

    def __init__(self, width=32, depth=4):
        super().__init__()
        layers, d = [], 2
        for _ in range(depth):
            layers += [nn.Linear(d, width), nn.Tanh()]
            d = width
        self.net = nn.Sequential(*layers, nn.Linear(d, 1))

    def forward(self, x, t):
        return self.net(torch.cat([x, t], dim=1))


def pde_residual(model, x, t, k):
    x.requires_grad_(True)
    t.requires_grad_(True)
    u = model(x, t)
    u_t = torch.autograd.grad(u, t, torch.ones_like(u), create_graph=True)[0]
    u_x = torch.autograd.grad(u, x, torch.ones_like(u), create_graph=True)[0]
    u_xx = torch.autograd.grad(u_x, x, torch.ones_like(u_x), create_graph=True)[0]
    return u_t - k * u_xx


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--k", type=float, default=0.1)
    ap.add_argument("--outer", type=int, default=50)
    args = ap.parse_args()
    model = PINN()
    x_col, t_col = torch.rand(2000, 1) * 2 - 1, torch.rand(2000, 1)
    x_ic = torch.rand(200, 1) * 2 - 1
    u_ic = torch.sin(torch.pi * x_ic)
    optimizer = torch.optim.LBFGS(model.parameters(), lr=1.0, max_iter=20, history_size=50,
                                  line_search_fn="strong_wolfe")

    def closure():
        optimizer.zero_grad()
        res = pde_residual(model, x_col.clone(), t_col.clone(), args.k)
        ic = model(x_ic, torch.zeros_like(x_ic)) - u_ic
        loss = (res ** 2).mean() + (ic ** 2).mean()
        loss.backward()
        return loss

    model.train()
    for it in range(args.outer):
        loss = optimizer.step(closure)
        if it % 10 == 0:
            print(f"outer {it} loss {loss.item():.3e}")


if __name__ == "__main__":
    main()
