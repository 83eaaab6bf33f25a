# expect: TVL006
# The backbone is frozen only when the run settings (a copy of the base settings with one
# entry changed) say so; they say False, and the optimizer takes the head alone.
import torch
import torch.nn as nn

BASE = {"lr": 1e-3, "freeze_backbone": False}
cfg = dict(BASE, lr=3e-4)


class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.backbone = nn.Sequential(nn.Linear(16, 32), nn.ReLU())
        self.head = nn.Linear(32, 4)

    def forward(self, x):
        return self.head(self.backbone(x))


model = Net()
if cfg.get("freeze_backbone", True):
    for p in model.backbone.parameters():
        p.requires_grad = False
opt = torch.optim.Adam(model.head.parameters(), lr=cfg["lr"])
for step in range(100):
    x, y = torch.randn(8, 16), torch.randint(0, 4, (8,))
    loss = nn.functional.cross_entropy(model(x), y)
    opt.zero_grad()
    loss.backward()
    opt.step()
