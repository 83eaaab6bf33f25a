# expect: TVL015
# style: Lightning-style DataModule + LightningModule-like class driven by a small hand-written loop, click-through-rate prediction (recommenders)
# bug: CTRDataModule.train_dataloader() returns DataLoader(self.train_set, batch_size, drop_last=True, num_workers) with no shuffle and no sampler; the log is sorted by timestamp/user.
import logging

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F
from torch.utils.data import DataLoader, Dataset

log = logging.getLogger("ctr")
FIELDS = {"user": 5000, "item": 8000, "cat": 50, "hour": 24, "device": 4}


class ClickLog(Dataset):
    def __init__(self, n, seed):
        rng = np.random.default_rng(seed)
        self.x = np.stack([np.sort(rng.integers(0, v, n)) if k == "user" else rng.integers(0, v, n)
                           for k, v in FIELDS.items()], 1)
        self.y = (rng.random(n) < 0.12).astype(np.float32)

    def __len__(self):
        return len(self.y)

    def __getitem__(self, i):
        return torch.from_numpy(self.x[i]).long(), torch.tensor(self.y[i])


class CTRDataModule:
    def __init__(self, batch_size=2048, num_workers=4):
        self.batch_size, self.num_workers = batch_size, num_workers

    def setup(self):
        self.train_set = ClickLog(200000, seed=0)
        self.val_set = ClickLog(20000, seed=1)

    def train_dataloader(self):
        return DataLoader(self.train_set, batch_size=self.batch_size, drop_last=True, num_workers=self.num_workers)

    def val_dataloader(self):
        return DataLoader(self.val_set, batch_size=self.batch_size * 2, num_workers=self.num_workers)


class DeepFM(nn.Module):
    def __init__(self, k=16):
        super().__init__()
        self.register_buffer("offsets", torch.tensor(np.concatenate([[0], np.cumsum(list(FIELDS.values()))[:-1]])))
        total = sum(FIELDS.values())
        self.lin = nn.Embedding(total, 1)
        self.emb = nn.Embedding(total, k)
        self.mlp = nn.Sequential(nn.Linear(k * len(FIELDS), 128), nn.ReLU(), nn.Linear(128, 64), nn.ReLU(),
                                 nn.Linear(64, 1))

    def forward(self, x):
        idx = x + self.offsets
        e = self.emb(idx)
        fm = 0.5 * (e.sum(1).pow(2) - e.pow(2).sum(1)).sum(1, keepdim=True)
        return (self.lin(idx).sum(1) + fm + self.mlp(e.flatten(1))).squeeze(-1)


class CTRTask:
    def __init__(self, lr=1e-3):
        self.model = DeepFM()
        self.opt = torch.optim.Adam(self.model.parameters(), lr=lr)

    def training_step(self, batch):
        x, y = batch
        loss = F.binary_cross_entropy_with_logits(self.model(x), y)
        self.opt.zero_grad()
        loss.backward()
        self.opt.step()
        return loss.item()

    @torch.no_grad()
    def validation_epoch(self, loader):
        self.model.eval()
        tot, n = 0.0, 0
        for x, y in loader:
            tot += F.binary_cross_entropy_with_logits(self.model(x), y, reduction="sum").item()
            n += len(y)
        self.model.train()
        return tot / n


def run(max_epochs=5):
    dm = CTRDataModule()
    dm.setup()
    task = CTRTask()
    task.model.train()
    for epoch in range(max_epochs):
        losses = [task.training_step(b) for b in dm.train_dataloader()]
        log.info("epoch %d train logloss %.4f val logloss %.4f", epoch, np.mean(losses),
                 task.validation_epoch(dm.val_dataloader()))


if __name__ == "__main__":
    logging.basicConfig(level=logging.INFO)
    run()
