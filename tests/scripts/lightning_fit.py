"""A small Lightning regression fit, as a user writes it (no torchvitals in it). Used by
tests/test_integration_lightning.py both with VitalsCallback and under `torchvitals run`.
`--bug unused|no-grad-encoder|partial-optimizer|lr-zero` seeds one fault; none trains healthy.
`--task classify`: a classifier with validation instead, `--bug softmax` (probabilities handed to
cross_entropy), `--bug shuffled` (training labels shuffled apart from their inputs) or `--bug hot-init`
(logits 40x too large at init)."""

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


class Classifier(pl.LightningModule):
    """Four classes from the signs of two of 16 features, validated every epoch."""

    def __init__(self, bug: str | None = None) -> None:
        super().__init__()
        self.bug = bug
        self.net = nn.Sequential(nn.Linear(16, 64), nn.ReLU(), nn.Linear(64, 4))
        if bug == "hot-init":  # logits 40x too large at init: a loss far above ln(4)
            with torch.no_grad():
                self.net[2].weight.mul_(40)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        logits = self.net(x)
        return logits.softmax(-1) if self.bug == "softmax" else logits

    def training_step(self, batch, batch_idx):
        x, y = batch
        loss = F.cross_entropy(self(x), y)
        self.log("train_loss", loss)
        return loss

    def validation_step(self, batch, batch_idx):
        x, y = batch
        self.log("val_loss", F.cross_entropy(self(x), y))

    def configure_optimizers(self):
        return torch.optim.Adam(self.parameters(), lr=3e-3)


def class_loaders(bug: str | None = None) -> tuple[DataLoader, DataLoader]:
    g = torch.Generator().manual_seed(0)
    x = torch.randn(1280, 16, generator=g)
    y = (x[:, 0] > 0).long() + 2 * (x[:, 1] > 0).long()
    train_y = y[:1024][torch.randperm(1024, generator=g)] if bug == "shuffled" else y[:1024]
    train = DataLoader(TensorDataset(x[:1024], train_y), batch_size=32, shuffle=True, generator=g)
    val = DataLoader(TensorDataset(x[1024:], y[1024:]), batch_size=64)
    return train, val


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
    parser.add_argument("--task", default="regress", choices=["regress", "classify"])
    args = parser.parse_args()
    torch.manual_seed(0)
    if args.task == "classify":
        train, val = class_loaders(args.bug)
        trainer(max_steps=32 * 6, num_sanity_val_steps=2).fit(Classifier(args.bug), train, val)
    else:
        train, val = loaders()
        trainer().fit(Regressor(args.bug), train, val)
