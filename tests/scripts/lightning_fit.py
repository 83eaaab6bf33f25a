"""A small Lightning regression fit, as a user writes it (no torchvitals in it). Used by
tests/test_integration_lightning.py both with VitalsCallback and under `torchvitals run`.
`--bug unused|no-grad-encoder|partial-optimizer|lr-zero` seeds one fault; none trains healthy."""

import argparse

import lightning.pytorch as pl
import torch
import torch.nn.functional as F
from torch import nn
from torch.utils.data import DataLoader, TensorDataset


class Regressor(pl.LightningModule):
    def __init__(self, bug: str | None = None) -> None:
        super().__init__()
        self.bug = bug
        self.encoder = nn.Sequential(nn.Linear(8, 32), nn.ReLU(), nn.Linear(32, 32), nn.ReLU())
        self.mid = nn.Linear(32, 32)
        self.head = nn.Linear(32, 1)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        if self.bug == "no-grad-encoder":  # "frozen" by a no_grad meant for evaluation only
            with torch.no_grad():
                h = self.encoder(x)
        else:
            h = self.encoder(x)
        if self.bug != "unused":  # the unused bug: this layer was dropped from forward()
            h = torch.relu(self.mid(h))
        return self.head(h)

    def training_step(self, batch, batch_idx):
        x, y = batch
        loss = F.mse_loss(self(x), y)
        self.log("train_loss", loss)
        return loss

    def validation_step(self, batch, batch_idx):
        x, y = batch
        self.log("val_loss", F.mse_loss(self(x), y))

    def configure_optimizers(self):
        params = self.head.parameters() if self.bug == "partial-optimizer" else self.parameters()
        return torch.optim.Adam(params, lr=0.0 if self.bug == "lr-zero" else 1e-2)


class PartsRegressor(Regressor):
    """The same model, its training_step calling the parts instead of self(x) (as a module that
    wraps a Hugging Face model calls self.model(**batch)): the module's own forward never runs."""

    def training_step(self, batch, batch_idx):
        x, y = batch
        loss = F.mse_loss(self.head(torch.relu(self.mid(self.encoder(x)))), y)
        self.log("train_loss", loss)
        return loss


def loaders() -> tuple[DataLoader, DataLoader]:
    g = torch.Generator().manual_seed(0)
    x = torch.randn(512, 8, generator=g)
    y = x[:, :1] * 2 - x[:, 1:2] ** 2 + 0.5 * torch.sin(3 * x[:, 2:3])
    train = DataLoader(TensorDataset(x, y), batch_size=32, shuffle=True, generator=g)
    val = DataLoader(TensorDataset(x[:128], y[:128]), batch_size=64)
    return train, val


def trainer(callbacks: list | None = None, **kwargs) -> pl.Trainer:
    settings = dict(accelerator="cpu", max_steps=40, enable_progress_bar=False, enable_model_summary=False,
                    logger=False, enable_checkpointing=False, num_sanity_val_steps=0)
    settings.update(kwargs)
    return pl.Trainer(callbacks=callbacks or [], **settings)


if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("--bug", default=None)
    args = parser.parse_args()
    torch.manual_seed(0)
    train, val = loaders()
    trainer().fit(Regressor(args.bug), train, val)
