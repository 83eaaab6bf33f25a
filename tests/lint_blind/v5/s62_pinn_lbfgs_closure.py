# expect: clean
# style: physics-informed neural network (PINN) for the 1-D heat equation, Adam warm-up followed by L-BFGS with a closure
# note: zero_grad and backward happen inside the closure that LBFGS calls repeatedly; optimizer.step(closure) has no separate backward; the residual uses autograd.grad with create_graph
import argparse
import torch
import torch.nn as nn


class MLP(nn.Module):
    def __init__(self, width=64, depth=4):
        super().__init__()
        layers, d = [], 2
        for _ in range(depth):
            layers += [nn.Linear(d, width), nn.Tanh()]
            d = width
        self.net = nn.Sequential(*layers, nn.Linear(d, 1))

    def forward(self, x, t):
        return self.net(torch.cat([x, t], dim=1))


def pde_residual(model, x, t, alpha):
    x.requires_grad_(True)
    t.requires_grad_(True)
    u = model(x, t)
    u_t = torch.autograd.grad(u, t, torch.ones_like(u), create_graph=True)[0]
    u_x = torch.autograd.grad(u, x, torch.ones_like(u), create_graph=True)[0]
    u_xx = torch.autograd.grad(u_x, x, torch.ones_like(u_x), create_graph=True)[0]
    return u_t - alpha * u_xx


def total_loss(model, colloc, ic, bc, alpha):
    r = pde_residual(model, *colloc, alpha)
    x0, t0, u0 = ic
    xb, tb = bc
    return (r ** 2).mean() + ((model(x0, t0) - u0) ** 2).mean() + (model(xb, tb) ** 2).mean()


def make_points(n):
    colloc = (torch.rand(n, 1) * 2 - 1, torch.rand(n, 1))
    x0 = torch.rand(256, 1) * 2 - 1
    ic = (x0, torch.zeros_like(x0), torch.sin(torch.pi * x0))
    tb = torch.rand(256, 1)
    bc = (torch.cat([-torch.ones(128, 1), torch.ones(128, 1)]), tb)
    return colloc, ic, bc


if __name__ == "__main__":
    ap = argparse.ArgumentParser()
    ap.add_argument("--adam_iters", type=int, default=2000)
    ap.add_argument("--lbfgs_iters", type=int, default=500)
    ap.add_argument("--alpha", type=float, default=0.1)
    args = ap.parse_args()
    model = MLP()
    colloc, ic, bc = make_points(4096)

    adam = torch.optim.Adam(model.parameters(), lr=1e-3)
    for it in range(args.adam_iters):
        adam.zero_grad()
        loss = total_loss(model, colloc, ic, bc, args.alpha)
        loss.backward()
        adam.step()
        if it % 500 == 0:
            print(f"adam {it}: {loss.item():.3e}")

    lbfgs = torch.optim.LBFGS(model.parameters(), lr=1.0, max_iter=args.lbfgs_iters,
                              history_size=50, line_search_fn="strong_wolfe")

    def closure():
        lbfgs.zero_grad()
        loss = total_loss(model, colloc, ic, bc, args.alpha)
        loss.backward()
        return loss

    final = lbfgs.step(closure)
    print(f"after L-BFGS: {final.item():.3e}")
