# expect: clean
# Image regressor whose stages come from a helper that builds them in a list comprehension and
# hands the plain list back; the model wraps it in an nn.ModuleList, so the stages are registered.
import torch
import torch.nn as nn


class Stage(nn.Module):
    def __init__(self, c_in, c_out):
        super().__init__()
        self.conv = nn.Conv2d(c_in, c_out, 3, stride=2, padding=1)
        self.act = nn.GELU()

    def forward(self, x):
        return self.act(self.conv(x))


def make_stages(widths):
    stages = [Stage(a, b) for a, b in zip(widths[:-1], widths[1:])]
    return stages


class Regressor(nn.Module):
    def __init__(self, widths=(3, 16, 32, 64)):
        super().__init__()
        self.stages = nn.ModuleList(make_stages(list(widths)))
        self.head = nn.Linear(widths[-1], 1)

    def forward(self, x):
        for stage in self.stages:
            x = stage(x)
        return self.head(x.mean(dim=(2, 3)))


model = Regressor()
opt = torch.optim.Adam(model.parameters(), lr=1e-3)
for _ in range(10):
    x, y = torch.randn(8, 3, 32, 32), torch.randn(8, 1)
    loss = nn.functional.mse_loss(model(x), y)
    opt.zero_grad()
    loss.backward()
    opt.step()
