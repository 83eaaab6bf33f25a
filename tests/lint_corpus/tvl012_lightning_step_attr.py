# expect: TVL012
import pytorch_lightning as pl
import torch
import torch.nn as nn
import torch.nn.functional as F


class Clf(pl.LightningModule):
    def __init__(self):
        super().__init__()
        self.net = nn.Linear(20, 3)
        self.total = 0.0

    def training_step(self, batch, batch_idx):
        x, y = batch
        loss = F.cross_entropy(self.net(x), y)
        self.total += loss
        return {"loss": loss}

    def on_train_epoch_end(self):
        self.log("sum", float(self.total))
        self.total = 0.0

    def configure_optimizers(self):
        return torch.optim.Adam(self.parameters())
