# expect: clean
# The optimizer builder returns an optimizer over the final layer alone when the run's config
# asks for head-only tuning; this run does not, so the optimizer gets every parameter.
import torch
import torch.nn as nn

RUN = {"optim": {"lr": 3e-4, "head_only": False}, "steps": 300}


class Regressor(nn.Module):
    def __init__(self):
        super().__init__()
        self.trunk = nn.Sequential(nn.Linear(12, 48), nn.Tanh(), nn.Linear(48, 48), nn.Tanh())
        self.final = nn.Linear(48, 1)

    def forward(self, x):
        return self.final(self.trunk(x))


def build_opt(net, ocfg):
    if ocfg["head_only"]:
        return torch.optim.AdamW(net.final.parameters(), lr=ocfg["lr"])
    return torch.optim.AdamW(net.parameters(), lr=ocfg["lr"])


net = Regressor()
opt = build_opt(net, RUN["optim"])
for step in range(RUN["steps"]):
    x = torch.randn(64, 12)
    loss = (net(x).squeeze(1) - x[:, 0]).pow(2).mean()
    opt.zero_grad()
    loss.backward()
    opt.step()
