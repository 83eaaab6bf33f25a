# expect: TVL002
# style: config-dict factory, tabular churn classifier with a loss helper that also logs
# bug: compute_loss returns loss.item() for logging and the training loop re-wraps that float with requires_grad=True, so backward reaches no model parameter
import json
import logging
from collections import defaultdict

import numpy as np
import torch
import torch.nn as nn
from torch.utils.data import DataLoader, TensorDataset

logging.basicConfig(level=logging.INFO, format="%(asctime)s %(message)s")
logger = logging.getLogger(__name__)

CONFIG = {
    "model": {"in_dim": 24, "hidden": [128, 64], "dropout": 0.2},
    "optim": {"name": "adam", "lr": 1e-3, "weight_decay": 1e-5},
    "train": {"epochs": 15, "batch_size": 256, "pos_weight": 3.0},
}


def build_mlp(cfg):
    layers, d = [], cfg["in_dim"]
    for h in cfg["hidden"]:
        layers += [nn.Linear(d, h), nn.BatchNorm1d(h), nn.ReLU(), nn.Dropout(cfg["dropout"])]
        d = h
    layers.append(nn.Linear(d, 1))
    return nn.Sequential(*layers)


def build_optimizer(params, cfg):
    if cfg["name"] == "adam":
        return torch.optim.Adam(params, lr=cfg["lr"], weight_decay=cfg["weight_decay"])
    if cfg["name"] == "sgd":
        return torch.optim.SGD(params, lr=cfg["lr"], momentum=0.9)
    raise ValueError(cfg["name"])


class LossTracker:
    def __init__(self):
        self.hist = defaultdict(list)

    def log(self, **kw):
        for k, v in kw.items():
            self.hist[k].append(v)

    def mean(self, k):
        return float(np.mean(self.hist[k])) if self.hist[k] else float("nan")


def compute_loss(model, xb, yb, criterion, tracker):
    logits = model(xb).squeeze(1)
    loss = criterion(logits, yb)
    val = loss.item()
    tracker.log(loss=val)
    return val


def make_data(n=20000, d=24, seed=0):
    rng = np.random.default_rng(seed)
    x = rng.normal(size=(n, d)).astype(np.float32)
    w = rng.normal(size=d).astype(np.float32)
    y = ((x @ w + rng.normal(scale=2.0, size=n)) > 1.5).astype(np.float32)
    return torch.from_numpy(x), torch.from_numpy(y)


def evaluate(model, loader):
    model.eval()
    tp = fp = fn = 0
    with torch.no_grad():
        for xb, yb in loader:
            pred = (torch.sigmoid(model(xb).squeeze(1)) > 0.5).float()
            tp += (pred * yb).sum().item()
            fp += (pred * (1 - yb)).sum().item()
            fn += ((1 - pred) * yb).sum().item()
    model.train()
    return 2 * tp / max(2 * tp + fp + fn, 1)


def main(cfg=CONFIG):
    x, y = make_data()
    split = int(0.85 * len(x))
    train_loader = DataLoader(TensorDataset(x[:split], y[:split]), batch_size=cfg["train"]["batch_size"], shuffle=True)
    val_loader = DataLoader(TensorDataset(x[split:], y[split:]), batch_size=1024)
    model = build_mlp(cfg["model"])
    opt = build_optimizer(model.parameters(), cfg["optim"])
    criterion = nn.BCEWithLogitsLoss(pos_weight=torch.tensor(cfg["train"]["pos_weight"]))
    tracker = LossTracker()
    for epoch in range(cfg["train"]["epochs"]):
        model.train()
        for xb, yb in train_loader:
            opt.zero_grad()
            loss_val = compute_loss(model, xb, yb, criterion, tracker)
            loss = torch.tensor(loss_val, requires_grad=True)
            loss.backward()
            opt.step()
        f1 = evaluate(model, val_loader)
        logger.info("epoch %d train_loss %.4f val_f1 %.4f", epoch, tracker.mean("loss"), f1)
    with open("churn_metrics.json", "w") as fh:
        json.dump({"val_f1": f1, "cfg": cfg}, fh, indent=2)


if __name__ == "__main__":
    main()
