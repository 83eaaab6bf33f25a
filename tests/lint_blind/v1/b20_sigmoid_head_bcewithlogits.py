# expect: TVL008
# style: Lightning-style LightningModule (multi-label classifier; head class defined separately)
# bug: MultiLabelHead.forward ends in torch.sigmoid, and training_step feeds those probabilities to BCEWithLogitsLoss
import argparse

import torch
import torch.nn as nn
import pytorch_lightning as pl
from torch.utils.data import DataLoader, TensorDataset


class MultiLabelHead(nn.Module):
    def __init__(self, in_features, num_labels, p=0.2):
        super().__init__()
        self.drop = nn.Dropout(p)
        self.proj = nn.Linear(in_features, num_labels)

    def forward(self, feats):
        return torch.sigmoid(self.proj(self.drop(feats)))


class ChestXrayModule(pl.LightningModule):
    def __init__(self, num_labels=14, lr=1e-3):
        super().__init__()
        self.save_hyperparameters()
        self.encoder = nn.Sequential(nn.Conv2d(1, 32, 5, 2, 2), nn.ReLU(), nn.Conv2d(32, 64, 3, 2, 1),
                                     nn.ReLU(), nn.AdaptiveAvgPool2d(1), nn.Flatten())
        self.head = MultiLabelHead(64, num_labels)
        self.criterion = nn.BCEWithLogitsLoss()

    def forward(self, x):
        return self.head(self.encoder(x))

    def training_step(self, batch, batch_idx):
        x, y = batch
        out = self(x)
        loss = self.criterion(out, y)
        self.log("train_loss", loss, prog_bar=True)
        return loss

    def validation_step(self, batch, batch_idx):
        x, y = batch
        loss = self.criterion(self(x), y)
        self.log("val_loss", loss)

    def configure_optimizers(self):
        return torch.optim.Adam(self.parameters(), lr=self.hparams.lr)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--max_epochs", type=int, default=5)
    parser.add_argument("--batch_size", type=int, default=32)
    args = parser.parse_args()
    x = torch.randn(640, 1, 64, 64)
    y = (torch.rand(640, 14) > 0.8).float()
    train_dl = DataLoader(TensorDataset(x[:512], y[:512]), batch_size=args.batch_size, shuffle=True)
    val_dl = DataLoader(TensorDataset(x[512:], y[512:]), batch_size=args.batch_size)
    trainer = pl.Trainer(max_epochs=args.max_epochs, accelerator="auto", log_every_n_steps=5)
    trainer.fit(ChestXrayModule(), train_dl, val_dl)


if __name__ == "__main__":
    main()
