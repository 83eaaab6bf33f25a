# expect: clean
# training_step hands the batch to a shared helper that backpropagates and steps itself, so the
# number it returns is only for logging.
import torch
import torch.nn as nn
import torch.nn.functional as F


class Regressor:
    def __init__(self):
        self.net = nn.Sequential(nn.Linear(10, 32), nn.ReLU(), nn.Linear(32, 1))
        self.opt = torch.optim.Adam(self.net.parameters(), lr=1e-3)

    def _update(self, batch):
        x, y = batch
        loss = F.mse_loss(self.net(x).squeeze(-1), y)
        self.opt.zero_grad()
        loss.backward()
        self.opt.step()
        return loss

    def training_step(self, batch, batch_idx):
        loss = self._update(batch)
        return {"loss": loss.item()}


reg = Regressor()
for i in range(100):
    out = reg.training_step((torch.randn(16, 10), torch.randn(16)), i)
