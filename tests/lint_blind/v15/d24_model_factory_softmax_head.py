# expect: TVL008
# style: config-dict model factory for tabular/sensor activity recognition; criterion built separately
# bug: build_model() appends nn.Softmax(dim=1) as the classifier's last layer (so predict() returns probabilities), and the training loop feeds those probabilities to nn.CrossEntropyLoss, which applies log_softmax again
import argparse
import json
import os
from typing import Any, Dict

import numpy as np
import torch
import torch.nn as nn
from torch.utils.data import DataLoader, TensorDataset

ACTIVITIES = ["walk", "upstairs", "downstairs", "sit", "stand", "lie"]

DEFAULT = {
    "model": {"type": "cnn1d", "channels": [32, 64, 64], "kernel": 5, "dropout": 0.3},
    "train": {"epochs": 20, "lr": 1e-3, "batch_size": 128, "weight_decay": 1e-4},
}


def conv1d_stack(in_ch, channels, kernel, dropout):
    layers, prev = [], in_ch
    for c in channels:
        layers += [nn.Conv1d(prev, c, kernel, padding=kernel // 2), nn.BatchNorm1d(c), nn.ReLU()]
        prev = c
    layers += [nn.AdaptiveAvgPool1d(1), nn.Flatten(), nn.Dropout(dropout)]
    return nn.Sequential(*layers), prev


def build_model(cfg: Dict[str, Any], in_ch: int, n_classes: int) -> nn.Module:
    m = cfg["model"]
    if m["type"] == "cnn1d":
        body, feat = conv1d_stack(in_ch, m["channels"], m["kernel"], m["dropout"])
    else:
        raise ValueError(m["type"])
    head = nn.Sequential(nn.Linear(feat, 64), nn.ReLU(), nn.Linear(64, n_classes), nn.Softmax(dim=1))
    return nn.Sequential(body, head)


def build_criterion(cfg, class_counts):
    weights = torch.tensor(class_counts.sum() / (len(class_counts) * class_counts), dtype=torch.float32)
    return nn.CrossEntropyLoss(weight=weights)


def make_windows(n, seed):
    rng = np.random.default_rng(seed)
    y = rng.integers(0, len(ACTIVITIES), n)
    t = np.linspace(0, 4 * np.pi, 128)
    x = np.stack([np.sin(t * (1 + k) + y[:, None] * 0.7) for k in range(6)], 1)
    x = x + rng.normal(0, 0.5, x.shape)
    return torch.tensor(x, dtype=torch.float32), torch.tensor(y)


@torch.no_grad()
def predict(model, loader):
    model.eval()
    probs, ys = [], []
    for x, y in loader:
        probs.append(model(x))
        ys.append(y)
    return torch.cat(probs), torch.cat(ys)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--config", help="json file with overrides")
    ap.add_argument("--out", default="har_out")
    args = ap.parse_args()
    cfg = json.loads(json.dumps(DEFAULT))
    if args.config:
        with open(args.config) as f:
            user = json.load(f)
        for k in user:
            cfg[k].update(user[k])
    os.makedirs(args.out, exist_ok=True)
    torch.manual_seed(0)

    xtr, ytr = make_windows(12000, 0)
    xva, yva = make_windows(2000, 1)
    tcfg = cfg["train"]
    train_dl = DataLoader(TensorDataset(xtr, ytr), batch_size=tcfg["batch_size"], shuffle=True)
    val_dl = DataLoader(TensorDataset(xva, yva), batch_size=512)

    model = build_model(cfg, in_ch=6, n_classes=len(ACTIVITIES))
    criterion = build_criterion(cfg, np.bincount(ytr.numpy(), minlength=len(ACTIVITIES)))
    opt = torch.optim.Adam(model.parameters(), lr=tcfg["lr"], weight_decay=tcfg["weight_decay"])

    for epoch in range(tcfg["epochs"]):
        model.train()
        running = 0.0
        for x, y in train_dl:
            out = model(x)
            loss = criterion(out, y)
            opt.zero_grad()
            loss.backward()
            opt.step()
            running += loss.item() * len(y)
        probs, ys = predict(model, val_dl)
        acc = (probs.argmax(1) == ys).float().mean().item()
        conf = probs.max(1).values.mean().item()
        print(f"epoch {epoch:02d} loss {running / len(train_dl.dataset):.4f} val_acc {acc:.4f} mean_conf {conf:.3f}")

    torch.save({"state_dict": model.state_dict(), "config": cfg}, os.path.join(args.out, "har_cnn.pt"))


if __name__ == "__main__":
    main()
