# expect: clean
# style: Kaggle kernel, tabular binary submission
# note: Predictions are written next to test ids; the test loader keeps shuffle=False (only the train loader is shuffled), so order is preserved.
# ---- utils (copied from the project's common/ folder) ----
import argparse
import logging
import os
import sys
import time
from dataclasses import dataclass, field

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F
from torch.utils.data import DataLoader, Dataset, TensorDataset

logger = logging.getLogger(__file__)
logger.addHandler(logging.StreamHandler(sys.stdout))
logger.setLevel(logging.INFO)


def set_seed(seed: int) -> None:
    torch.manual_seed(seed)
    np.random.seed(seed)


def parse_args(extra=None):
    ap = argparse.ArgumentParser()
    ap.add_argument("--epochs", type=int, default=5)
    ap.add_argument("--lr", type=float, default=1e-3)
    ap.add_argument("--batch-size", type=int, default=128)
    ap.add_argument("--seed", type=int, default=1234)
    ap.add_argument("--out-dir", default="checkpoints")
    ap.add_argument("--device", default="cpu")
    ap.add_argument("--log-every", type=int, default=100)
    if extra is not None:
        extra(ap)
    return ap.parse_args()


class AverageMeter:
    """Tracks a running average of a python number."""

    def __init__(self, name=""):
        self.name = name
        self.sum = 0.0
        self.count = 0

    def update(self, val, n=1):
        self.sum += val * n
        self.count += n

    @property
    def avg(self):
        return self.sum / self.count if self.count else 0.0

    def __repr__(self):
        return f"{self.name}={self.avg:.4f}"


def save_checkpoint(state, out_dir, name="model.pt"):
    os.makedirs(out_dir, exist_ok=True)
    path = os.path.join(out_dir, name)
    torch.save(state, path)
    return path


class Timer:
    def __enter__(self):
        self.t0 = time.time()
        return self

    def __exit__(self, *exc):
        self.elapsed = time.time() - self.t0


n_train, n_test, d = 20000, 5000, 25
X_train = torch.randn(n_train, d)
y_train = (X_train[:, 0] * X_train[:, 1] > 0).float()
X_test = torch.randn(n_test, d)
test_ids = [f"id_{i}" for i in range(n_test)]

train_loader = DataLoader(TensorDataset(X_train, y_train), batch_size=512, shuffle=True)
test_loader = DataLoader(TensorDataset(X_test), batch_size=1024, shuffle=False)

model = nn.Sequential(nn.Linear(d, 256), nn.ReLU(), nn.BatchNorm1d(256), nn.Dropout(0.2), nn.Linear(256, 1))
opt = torch.optim.AdamW(model.parameters(), lr=2e-3)
crit = nn.BCEWithLogitsLoss()

for epoch in range(12):
    model.train()
    tot = 0.0
    for xb, yb in train_loader:
        opt.zero_grad()
        loss = crit(model(xb).squeeze(1), yb)
        loss.backward()
        opt.step()
        tot += loss.item() * len(xb)
    print(f"epoch {epoch}: logloss {tot / n_train:.4f}")

model.eval()
probs = []
with torch.no_grad():
    for (xb,) in test_loader:
        probs.append(torch.sigmoid(model(xb).squeeze(1)))
probs = torch.cat(probs).numpy()

with open("submission.csv", "w") as f:
    f.write("id,target\n")
    for i, p in zip(test_ids, probs):
        f.write(f"{i},{p:.6f}\n")
print("saved", len(probs), "rows")
