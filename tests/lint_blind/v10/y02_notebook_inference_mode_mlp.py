# expect: TVL001
# style: beginner notebook export, tabular MLP
# bug: The forward pass in the training loop is inside torch.inference_mode(), so the loss has no graph to the model.
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


# %% load data
X = np.random.randn(5000, 20).astype("float32")
y = (X[:, 0] + 0.5 * X[:, 3] > 0).astype("int64")
X_train, X_val = torch.tensor(X[:4000]), torch.tensor(X[4000:])
y_train, y_val = torch.tensor(y[:4000]), torch.tensor(y[4000:])
train_dl = DataLoader(TensorDataset(X_train, y_train), batch_size=64, shuffle=True)

# %% model
model = nn.Sequential(nn.Linear(20, 64), nn.ReLU(), nn.Dropout(0.2), nn.Linear(64, 2))
opt = torch.optim.SGD(model.parameters(), lr=0.05, momentum=0.9)
loss_fn = nn.CrossEntropyLoss()

# %% train
history = []
for epoch in range(15):
    model.train()
    epoch_loss = 0.0
    for xb, yb in train_dl:
        opt.zero_grad()
        with torch.inference_mode():
            out = model(xb)
        loss = loss_fn(out.clone(), yb)
        loss.requires_grad_(True)
        loss.backward()
        opt.step()
        epoch_loss += loss.item() * xb.size(0)
    model.eval()
    with torch.no_grad():
        val_acc = (model(X_val).argmax(1) == y_val).float().mean().item()
    model.train()
    history.append((epoch_loss / len(X_train), val_acc))
    print(f"epoch {epoch}: loss={epoch_loss / len(X_train):.4f} val_acc={val_acc:.3f}")

# %% save
save_checkpoint({"model": model.state_dict()}, "notebook_out")
