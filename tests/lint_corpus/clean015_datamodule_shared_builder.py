# expect: clean
"""A LightningDataModule builds all its loaders through one private helper; the helper shuffles
when asked, and `train_dataloader()` asks, so Lightning gets a loader that does not walk the
training rows in the order they were read (sorted by date here)."""
import lightning as L
import torch
from torch.utils.data import DataLoader, TensorDataset


class SalesData(L.LightningDataModule):
    def __init__(self, batch_size=128):
        super().__init__()
        self.batch_size = batch_size

    def setup(self, stage=None):
        rows = torch.randn(20000, 24)
        target = rows[:, :3].sum(1, keepdim=True)
        self.fit_rows = TensorDataset(rows[:18000], target[:18000])
        self.check_rows = TensorDataset(rows[18000:], target[18000:])

    def _make(self, ds, bs, shuffle=False):
        return DataLoader(ds, batch_size=bs, num_workers=4, pin_memory=True, shuffle=shuffle)

    def train_dataloader(self):
        return self._make(self.fit_rows, self.batch_size, shuffle=True)

    def val_dataloader(self):
        return self._make(self.check_rows, 4 * self.batch_size)
