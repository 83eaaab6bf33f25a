# expect: TVL005
# style: multi-task tabular model with per-task heads from a task registry, Trainer-ish loop
# bug: MultiTaskNet keeps its task heads in a plain dict (self.heads = {}), so the heads are not registered sub-modules: the optimizer built from model.parameters() never updates them and they are absent from the checkpoint.
import argparse
import logging
import os

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F
from torch.utils.data import DataLoader, Dataset

logger = logging.getLogger("mtl")

TASKS = {
    "default": {"type": "binary", "weight": 1.0},
    "segment": {"type": "multiclass", "classes": 4, "weight": 0.5},
    "spend": {"type": "regression", "weight": 0.2},
}


class CustomerData(Dataset):
    def __init__(self, n, d=24, seed=0):
        rng = np.random.default_rng(seed)
        self.x = rng.normal(size=(n, d)).astype(np.float32)
        self.default = (self.x[:, 0] + self.x[:, 1] > 0).astype(np.float32)
        self.segment = (np.abs(self.x[:, 2]) * 2).astype(np.int64).clip(0, 3)
        self.spend = (self.x[:, 3] * 3 + rng.normal(size=n)).astype(np.float32)

    def __len__(self):
        return len(self.x)

    def __getitem__(self, i):
        return torch.from_numpy(self.x[i]), {
            "default": torch.tensor(self.default[i]),
            "segment": torch.tensor(self.segment[i]),
            "spend": torch.tensor(self.spend[i]),
        }


def head_for(spec, hidden):
    if spec["type"] == "multiclass":
        return nn.Linear(hidden, spec["classes"])
    return nn.Linear(hidden, 1)


class MultiTaskNet(nn.Module):
    def __init__(self, d_in, tasks, hidden=128):
        super().__init__()
        self.trunk = nn.Sequential(nn.Linear(d_in, hidden), nn.ReLU(), nn.Linear(hidden, hidden), nn.ReLU())
        self.heads = {}
        for name, spec in tasks.items():
            self.heads[name] = head_for(spec, hidden)

    def forward(self, x):
        h = self.trunk(x)
        return {name: head(h) for name, head in self.heads.items()}


def task_loss(spec, out, target):
    if spec["type"] == "binary":
        return F.binary_cross_entropy_with_logits(out.squeeze(-1), target)
    if spec["type"] == "multiclass":
        return F.cross_entropy(out, target)
    return F.mse_loss(out.squeeze(-1), target)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--epochs", type=int, default=10)
    ap.add_argument("--lr", type=float, default=1e-3)
    ap.add_argument("--out", default="ckpt")
    args = ap.parse_args()
    logging.basicConfig(level=logging.INFO)
    os.makedirs(args.out, exist_ok=True)

    train_dl = DataLoader(CustomerData(20000, seed=0), batch_size=256, shuffle=True)
    val_dl = DataLoader(CustomerData(3000, seed=1), batch_size=512)
    model = MultiTaskNet(24, TASKS)
    opt = torch.optim.AdamW(model.parameters(), lr=args.lr)

    for epoch in range(args.epochs):
        model.train()
        sums = {k: 0.0 for k in TASKS}
        for x, targets in train_dl:
            outs = model(x)
            losses = {k: task_loss(TASKS[k], outs[k], targets[k]) for k in TASKS}
            total = sum(TASKS[k]["weight"] * losses[k] for k in TASKS)
            opt.zero_grad()
            total.backward()
            opt.step()
            for k in TASKS:
                sums[k] += losses[k].item()
        model.eval()
        with torch.no_grad():
            correct = n = 0
            for x, targets in val_dl:
                pred = model(x)["segment"].argmax(-1)
                correct += (pred == targets["segment"]).sum().item()
                n += len(x)
        logger.info("epoch %d %s seg_acc %.3f", epoch,
                    {k: round(v / len(train_dl), 4) for k, v in sums.items()}, correct / n)
        torch.save(model.state_dict(), os.path.join(args.out, f"mtl_{epoch}.pt"))


if __name__ == "__main__":
    main()
