# expect: clean
# A Lightning callback owns an exponential decay meant per epoch (gamma 0.9) and advances it
# in on_train_epoch_end, which the trainer runs once per epoch.
import lightning.pytorch as pl
import torch
import torch.nn as nn


class EpochDecay(pl.Callback):
    def on_fit_start(self, trainer, pl_module):
        self.decay = torch.optim.lr_scheduler.ExponentialLR(trainer.optimizers[0], gamma=0.9)

    def on_train_epoch_end(self, trainer, pl_module):
        self.decay.step()


class Regressor(pl.LightningModule):
    def __init__(self):
        super().__init__()
        self.net = nn.Linear(12, 1)

    def training_step(self, batch, batch_idx):
        x, y = batch
        return nn.functional.mse_loss(self.net(x), y)

    def configure_optimizers(self):
        return torch.optim.SGD(self.parameters(), lr=0.05)


pl.Trainer(max_epochs=15, callbacks=[EpochDecay()]).fit(Regressor())
