# expect: TVL015
# style: Kaggle kernel, tabular fraud detection sorted by time
# bug: The training DataLoader is built without shuffle=True or a sampler (and the data is sorted by transaction time).
import argparse
import json
import logging
import math
import os
import time
from collections import defaultdict

import numpy as np
import torch
from torch import nn
from torch.nn import functional as F
from torch.utils.data import DataLoader, Dataset, TensorDataset

logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(message)s")
log = logging.getLogger(__name__)
logger = log


def parse_args(extra=None):
    parser = argparse.ArgumentParser(description="training script")
    parser.add_argument("--epochs", type=int, default=20)
    parser.add_argument("--lr", type=float, default=3e-4)
    parser.add_argument("--batch-size", type=int, default=32)
    parser.add_argument("--seed", type=int, default=42)
    parser.add_argument("--out-dir", type=str, default="./outputs")
    parser.add_argument("--device", type=str, default="cuda")
    parser.add_argument("--log-every", type=int, default=20)
    if extra:
        extra(parser)
    args = parser.parse_args()
    if not torch.cuda.is_available():
        args.device = "cpu"
    return args


def set_seed(seed):
    np.random.seed(seed)
    torch.manual_seed(seed)
    if torch.cuda.is_available():
        torch.cuda.manual_seed_all(seed)


class AverageMeter:
    def __init__(self, name=""):
        self.name = name
        self.sum, self.count = 0.0, 0

    def update(self, val, n=1):
        self.sum += val * n
        self.count += n

    @property
    def avg(self):
        return self.sum / max(1, self.count)


def dump_metrics(history, out_dir):
    os.makedirs(out_dir, exist_ok=True)
    with open(os.path.join(out_dir, "metrics.json"), "w") as f:
        json.dump(history, f, indent=2)


def save_checkpoint(state, out_dir, name="checkpoint.pt"):
    os.makedirs(out_dir, exist_ok=True)
    torch.save(state, os.path.join(out_dir, name))


def make_frame(n=50000, d=30):
    t = np.sort(np.random.rand(n))
    x = np.random.randn(n, d).astype("float32")
    y = (np.random.rand(n) < 0.01 + 0.02 * t).astype("float32")
    return t, x, y


t, X, Y = make_frame()
split = int(0.8 * len(X))
X_tr, Y_tr, X_va, Y_va = X[:split], Y[:split], X[split:], Y[split:]
mu, sd = X_tr.mean(0), X_tr.std(0) + 1e-6
X_tr, X_va = (X_tr - mu) / sd, (X_va - mu) / sd

train_ds = TensorDataset(torch.from_numpy(X_tr), torch.from_numpy(Y_tr))
val_ds = TensorDataset(torch.from_numpy(X_va), torch.from_numpy(Y_va))
train_loader = DataLoader(train_ds, batch_size=1024, num_workers=2, drop_last=True)
val_loader = DataLoader(val_ds, batch_size=4096)

model = nn.Sequential(nn.Linear(30, 128), nn.ReLU(), nn.Dropout(0.1), nn.Linear(128, 64), nn.ReLU(), nn.Linear(64, 1))
pos_weight = torch.tensor([(1 - Y_tr.mean()) / Y_tr.mean()])
criterion = nn.BCEWithLogitsLoss(pos_weight=pos_weight)
optimizer = torch.optim.Adam(model.parameters(), lr=1e-3)

for epoch in range(10):
    model.train()
    losses = []
    for xb, yb in train_loader:
        optimizer.zero_grad()
        loss = criterion(model(xb).squeeze(1), yb)
        loss.backward()
        optimizer.step()
        losses.append(loss.item())
    model.eval()
    with torch.no_grad():
        scores = torch.cat([torch.sigmoid(model(xb).squeeze(1)) for xb, _ in val_loader])
    model.train()
    top = scores.topk(500).indices
    precision_at_500 = Y_va[top.numpy()].mean()
    print(f"epoch {epoch}: loss {np.mean(losses):.4f}  P@500 {precision_at_500:.3f}")

save_checkpoint({"model": model.state_dict(), "mu": mu, "sd": sd}, "fraud_out")
