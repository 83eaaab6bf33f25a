# expect: TVL006
import torch
import torch.nn as nn


class Regressor(nn.Module):
    def __init__(self):
        super().__init__()
        self.features = nn.Sequential(nn.Linear(12, 48), nn.GELU(), nn.Linear(48, 48))
        self.out = nn.Linear(48, 1)

    def forward(self, x):
        return self.out(self.features(x))


reg = Regressor()
final_layer = reg.out
opt = torch.optim.Adam(final_layer.parameters(), lr=5e-4)
for epoch in range(15):
    for xb, yb in batches:
        pred = reg(xb)
        loss = nn.functional.smooth_l1_loss(pred, yb)
        opt.zero_grad()
        loss.backward()
        opt.step()
