# expect: TVL005
# style: multi-task tabular model built by a config-driven factory (CPU training script)
# bug: `build_heads` returns a plain Python list that MultiTaskNet stores as self.heads; the task heads are not registered, so model.parameters() (and the optimizer, state_dict) miss them and they stay at their random init
import argparse
import json
import logging
import os

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F
from torch.utils.data import DataLoader, TensorDataset

log = logging.getLogger("mtl")

TASKS = {
    "default": {"type": "binary", "weight": 1.0},
    "prepay": {"type": "binary", "weight": 0.5},
    "segment": {"type": "multiclass", "n_classes": 4, "weight": 0.5},
}


def build_trunk(d_in, widths, dropout):
    layers, d = [], d_in
    for w in widths:
        layers += [nn.Linear(d, w), nn.LayerNorm(w), nn.GELU(), nn.Dropout(dropout)]
        d = w
    return nn.Sequential(*layers), d


def build_heads(d, tasks):
    heads = []
    for name, spec in tasks.items():
        out = 1 if spec["type"] == "binary" else spec["n_classes"]
        heads.append(nn.Sequential(nn.Linear(d, d // 2), nn.ReLU(), nn.Linear(d // 2, out)))
    return heads


class MultiTaskNet(nn.Module):
    def __init__(self, d_in, tasks, widths=(256, 128), dropout=0.1):
        super().__init__()
        self.task_names = list(tasks)
        self.trunk, d = build_trunk(d_in, widths, dropout)
        self.heads = build_heads(d, tasks)

    def forward(self, x):
        h = self.trunk(x)
        return {name: head(h) for name, head in zip(self.task_names, self.heads)}


def task_loss(name, logits, target):
    spec = TASKS[name]
    if spec["type"] == "binary":
        return F.binary_cross_entropy_with_logits(logits.squeeze(-1), target.float())
    return F.cross_entropy(logits, target.long())


def make_data(n, d, seed):
    rng = np.random.default_rng(seed)
    x = rng.normal(size=(n, d)).astype(np.float32)
    y_def = (x[:, 0] + 0.5 * x[:, 1] + rng.normal(0, 0.5, n) > 0).astype(np.int64)
    y_pre = (x[:, 2] - x[:, 3] > 0.3).astype(np.int64)
    y_seg = np.digitize(x[:, 4], [-0.7, 0.0, 0.7]).astype(np.int64)
    return TensorDataset(torch.from_numpy(x), torch.from_numpy(y_def), torch.from_numpy(y_pre), torch.from_numpy(y_seg))


def evaluate(model, loader):
    model.eval()
    correct = {k: 0 for k in TASKS}
    n = 0
    with torch.no_grad():
        for x, *ys in loader:
            out = model(x)
            for (name, logits), y in zip(out.items(), ys):
                if TASKS[name]["type"] == "binary":
                    pred = (logits.squeeze(-1) > 0).long()
                else:
                    pred = logits.argmax(-1)
                correct[name] += (pred == y).sum().item()
            n += x.size(0)
    model.train()
    return {k: v / n for k, v in correct.items()}


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--d", type=int, default=40)
    ap.add_argument("--epochs", type=int, default=10)
    ap.add_argument("--lr", type=float, default=1e-3)
    ap.add_argument("--out", default="mtl_out")
    args = ap.parse_args()
    logging.basicConfig(level=logging.INFO)
    torch.manual_seed(0)

    train_dl = DataLoader(make_data(50000, args.d, 0), batch_size=256, shuffle=True)
    val_dl = DataLoader(make_data(5000, args.d, 1), batch_size=1024)
    model = MultiTaskNet(args.d, TASKS)
    optimizer = torch.optim.AdamW(model.parameters(), lr=args.lr, weight_decay=1e-4)
    log.info("trainable params: %d", sum(p.numel() for p in model.parameters()))

    model.train()
    for epoch in range(args.epochs):
        running = {k: 0.0 for k in TASKS}
        steps = 0
        for x, *ys in train_dl:
            out = model(x)
            losses = {name: task_loss(name, out[name], y) for name, y in zip(model.task_names, ys)}
            loss = sum(TASKS[k]["weight"] * v for k, v in losses.items())
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
            for k, v in losses.items():
                running[k] += v.item()
            steps += 1
        accs = evaluate(model, val_dl)
        log.info("epoch %d %s | acc %s", epoch,
                 {k: round(v / steps, 4) for k, v in running.items()}, {k: round(v, 4) for k, v in accs.items()})

    os.makedirs(args.out, exist_ok=True)
    torch.save(model.state_dict(), os.path.join(args.out, "model.pt"))
    with open(os.path.join(args.out, "tasks.json"), "w") as f:
        json.dump(TASKS, f, indent=2)


if __name__ == "__main__":
    main()
