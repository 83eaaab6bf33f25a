# expect: TVL011
# style: physics-informed regression script, inline loop with a non-finite-gradient guard
# bug: when any gradient is non-finite the loop `continue`s past optimizer.step() silently; skips are neither counted nor logged
import numpy as np
import torch
import torch.nn as nn
from torch.utils.data import DataLoader, TensorDataset

torch.manual_seed(7)

# collocation points for u'' = -sin(x) on [0, pi]
x_col = torch.rand(4096, 1) * np.pi
x_bc = torch.tensor([[0.0], [np.pi]])
u_bc = torch.zeros(2, 1)
loader = DataLoader(TensorDataset(x_col), batch_size=256, shuffle=True)


class PINN(nn.Module):
    def __init__(self, width=64, depth=4):
        super().__init__()
        layers = [nn.Linear(1, width), nn.Tanh()]
        for _ in range(depth - 1):
            layers += [nn.Linear(width, width), nn.Tanh()]
        layers.append(nn.Linear(width, 1))
        self.net = nn.Sequential(*layers)

    def forward(self, x):
        return self.net(x)


def residual(model, x):
    x = x.clone().requires_grad_(True)
    u = model(x)
    du = torch.autograd.grad(u.sum(), x, create_graph=True)[0]
    d2u = torch.autograd.grad(du.sum(), x, create_graph=True)[0]
    return d2u + torch.sin(x)


model = PINN()
opt = torch.optim.Adam(model.parameters(), lr=1e-3)
lam_bc = 10.0

for epoch in range(50):
    model.train()
    ep_loss = 0.0
    for (xb,) in loader:
        r = residual(model, xb)
        loss = (r ** 2).mean() + lam_bc * ((model(x_bc) - u_bc) ** 2).mean()
        opt.zero_grad()
        loss.backward()
        finite = all(torch.isfinite(p.grad).all() for p in model.parameters() if p.grad is not None)
        if not finite:
            continue
        opt.step()
        ep_loss += loss.item()
    if epoch % 5 == 0:
        with torch.no_grad():
            xs = torch.linspace(0, np.pi, 200).unsqueeze(1)
            err = (model(xs) - torch.sin(xs)).abs().max().item()
        print(f"epoch {epoch:3d}  loss {ep_loss/len(loader):.3e}  max|u-u*| {err:.3e}")
