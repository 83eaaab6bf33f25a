# expect: TVL004
# style: research repo utility, shared run_epoch(phase) for train/val, tabular churn classifier
# bug: run_epoch() is shared by both phases and calls optimizer.step() whenever gradients are enabled per the `grad` flag, but validate() passes grad=True "to get attributions", so the optimizer also steps on the validation set.
import argparse
import json
import logging

import numpy as np
import torch
import torch.nn as nn
from torch.utils.data import DataLoader, TensorDataset

logger = logging.getLogger(__name__)


def make_churn(n, d=20, seed=0):
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n, d)).astype(np.float32)
    w = rng.normal(size=d)
    y = (X @ w + 0.5 * rng.normal(size=n) > 0).astype(np.int64)
    return TensorDataset(torch.from_numpy(X), torch.from_numpy(y))


class ChurnMLP(nn.Module):
    def __init__(self, d, hidden=128):
        super().__init__()
        self.net = nn.Sequential(nn.Linear(d, hidden), nn.BatchNorm1d(hidden), nn.ReLU(), nn.Dropout(0.2),
                                 nn.Linear(hidden, hidden), nn.ReLU(), nn.Linear(hidden, 2))

    def forward(self, x):
        return self.net(x)


def run_epoch(model, loader, criterion, optimizer, train, grad):
    model.train(train)
    total_loss, correct, n = 0.0, 0, 0
    saliency = []
    with torch.set_grad_enabled(grad):
        for x, y in loader:
            if grad and not train:
                x.requires_grad_(True)
            logits = model(x)
            loss = criterion(logits, y)
            if grad:
                optimizer.zero_grad()
                loss.backward()
                optimizer.step()
                if x.grad is not None:
                    saliency.append(x.grad.abs().mean(0))
            total_loss += loss.item() * len(y)
            correct += (logits.argmax(1) == y).sum().item()
            n += len(y)
    sal = torch.stack(saliency).mean(0) if saliency else None
    return total_loss / n, correct / n, sal


def train_one(model, loader, criterion, optimizer):
    return run_epoch(model, loader, criterion, optimizer, train=True, grad=True)


def validate(model, loader, criterion, optimizer):
    # grad on so we can record input-gradient saliency per feature
    return run_epoch(model, loader, criterion, optimizer, train=False, grad=True)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--epochs", type=int, default=15)
    ap.add_argument("--lr", type=float, default=3e-3)
    ap.add_argument("--report", default="churn_report.json")
    args = ap.parse_args()
    logging.basicConfig(level=logging.INFO)

    train_dl = DataLoader(make_churn(8000, seed=0), batch_size=128, shuffle=True)
    val_dl = DataLoader(make_churn(2000, seed=1), batch_size=256)
    model = ChurnMLP(20)
    criterion = nn.CrossEntropyLoss()
    optimizer = torch.optim.Adam(model.parameters(), lr=args.lr)

    history = []
    for epoch in range(args.epochs):
        tr_loss, tr_acc, _ = train_one(model, train_dl, criterion, optimizer)
        va_loss, va_acc, sal = validate(model, val_dl, criterion, optimizer)
        logger.info("ep %d train %.4f/%.3f val %.4f/%.3f", epoch, tr_loss, tr_acc, va_loss, va_acc)
        history.append({"epoch": epoch, "val_acc": va_acc, "top_features": sal.topk(5).indices.tolist()})

    with open(args.report, "w") as f:
        json.dump(history, f, indent=2)


if __name__ == "__main__":
    main()
