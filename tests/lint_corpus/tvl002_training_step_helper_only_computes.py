# expect: TVL002
# training_step hands the batch to a helper that only computes the loss; Lightning then
# backpropagates what training_step returns, a Python number.
import torch
import torch.nn as nn
import torch.nn.functional as F
import lightning as L


class Regressor(L.LightningModule):
    def __init__(self):
        super().__init__()
        self.net = nn.Sequential(nn.Linear(10, 32), nn.ReLU(), nn.Linear(32, 1))

    def _loss(self, batch):
        x, y = batch
        return F.mse_loss(self.net(x).squeeze(-1), y)

    def training_step(self, batch, batch_idx):
        loss = self._loss(batch)
        return {"loss": loss.item()}

    def configure_optimizers(self):
        return torch.optim.Adam(self.parameters(), lr=1e-3)
