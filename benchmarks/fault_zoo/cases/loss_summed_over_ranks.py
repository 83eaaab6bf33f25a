# zoo: expect=loss-scaled-by-ranks
# zoo: nproc=2
# zoo: source=https://github.com/huggingface/transformers/issues/35078 (an eval loss reported num_processes times too large under DDP); Lightning docs (LightningModule.all_gather stacks the ranks' values: a sum over them is R times their mean)
"""Fault (Lightning, strategy="ddp", 2 ranks): validation_step gathers the ranks' losses with
self.all_gather and logs their sum, where their mean was meant: the val_loss the fit logs is
twice the loss of its predictions (loss-scaled-by-ranks). --fixed: the mean."""

import argparse

import lightning.pytorch as pl
import torch
import torch.nn.functional as F
from torch import nn
from torch.utils.data import DataLoader, TensorDataset

torch.set_num_threads(1)
parser = argparse.ArgumentParser()
parser.add_argument("--fixed", action="store_true")
parser.add_argument("--epochs", type=int, default=4)
args = parser.parse_args()


class Regressor(pl.LightningModule):
    def __init__(self) -> None:
        super().__init__()
        self.net = nn.Sequential(nn.Linear(8, 32), nn.ReLU(), nn.Linear(32, 32), nn.ReLU(), nn.Linear(32, 1))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.net(x)

    def training_step(self, batch, batch_idx):
        x, y = batch
        loss = F.mse_loss(self(x), y)
        self.log("train_loss", loss)
        return loss

    def validation_step(self, batch, batch_idx):
        x, y = batch
        every = self.all_gather(F.mse_loss(self(x), y))  # one loss per rank
        self.log("val_loss", every.mean() if args.fixed else every.sum())  # the bug: sum, not mean

    def configure_optimizers(self):
        return torch.optim.Adam(self.parameters(), lr=1e-3)


torch.manual_seed(0)
g = torch.Generator().manual_seed(0)
x = torch.randn(1280, 8, generator=g)
y = x[:, :1] * 2 - x[:, 1:2] ** 2 + 0.5 * torch.sin(3 * x[:, 2:3])
train = DataLoader(TensorDataset(x[:1024], y[:1024]), batch_size=16, shuffle=True, generator=g)
val = DataLoader(TensorDataset(x[1024:], y[1024:]), batch_size=32)
trainer = pl.Trainer(accelerator="cpu", devices=2, strategy="ddp", max_epochs=args.epochs, logger=False,
                     enable_checkpointing=False, enable_progress_bar=False, enable_model_summary=False,
                     num_sanity_val_steps=0)
trainer.fit(Regressor(), train, val)
