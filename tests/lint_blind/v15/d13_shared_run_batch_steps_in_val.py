# expect: TVL004
# style: tabular churn model, shared run_epoch(train=...) helper used for both phases
# bug: run_epoch() calls optimizer.step() unconditionally; during validation no backward happens but the stale gradients of the last training batch are applied again for every validation batch
import argparse
import json

import numpy as np
import torch
import torch.nn as nn
from sklearn.metrics import roc_auc_score
from torch.utils.data import DataLoader, TensorDataset


def make_data(n=20000, d=24, seed=0):
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n, d)).astype(np.float32)
    w = rng.normal(size=d)
    logits = X @ w * 0.5 + 0.3 * np.sin(X[:, 0] * 3)
    y = (rng.random(n) < 1 / (1 + np.exp(-logits))).astype(np.float32)
    return X, y


class ChurnNet(nn.Module):
    def __init__(self, d, hidden=(128, 64), p=0.2):
        super().__init__()
        layers, prev = [], d
        for h in hidden:
            layers += [nn.Linear(prev, h), nn.BatchNorm1d(h), nn.ReLU(), nn.Dropout(p)]
            prev = h
        layers.append(nn.Linear(prev, 1))
        self.net = nn.Sequential(*layers)

    def forward(self, x):
        return self.net(x).squeeze(-1)


def run_epoch(model, loader, criterion, optimizer, train):
    model.train(train)
    losses, scores, targets = [], [], []
    ctx = torch.enable_grad() if train else torch.no_grad()
    with ctx:
        for xb, yb in loader:
            if train:
                optimizer.zero_grad()
            logits = model(xb)
            loss = criterion(logits, yb)
            if train:
                loss.backward()
                nn.utils.clip_grad_norm_(model.parameters(), 2.0)
            optimizer.step()
            losses.append(loss.item())
            scores.append(torch.sigmoid(logits).detach())
            targets.append(yb)
    s = torch.cat(scores).numpy()
    t = torch.cat(targets).numpy()
    return float(np.mean(losses)), float(roc_auc_score(t, s))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--epochs", type=int, default=20)
    ap.add_argument("--lr", type=float, default=3e-3)
    ap.add_argument("--bs", type=int, default=256)
    ap.add_argument("--report", default="churn_report.json")
    args = ap.parse_args()
    torch.manual_seed(0)

    X, y = make_data()
    n_tr = int(0.8 * len(X))
    train_ds = TensorDataset(torch.from_numpy(X[:n_tr]), torch.from_numpy(y[:n_tr]))
    val_ds = TensorDataset(torch.from_numpy(X[n_tr:]), torch.from_numpy(y[n_tr:]))
    train_dl = DataLoader(train_ds, batch_size=args.bs, shuffle=True, drop_last=True)
    val_dl = DataLoader(val_ds, batch_size=1024)

    pos_weight = torch.tensor((1 - y[:n_tr].mean()) / y[:n_tr].mean())
    criterion = nn.BCEWithLogitsLoss(pos_weight=pos_weight)
    model = ChurnNet(X.shape[1])
    optimizer = torch.optim.AdamW(model.parameters(), lr=args.lr, weight_decay=1e-4)

    report, best_auc = [], 0.0
    for epoch in range(args.epochs):
        tr_loss, tr_auc = run_epoch(model, train_dl, criterion, optimizer, train=True)
        va_loss, va_auc = run_epoch(model, val_dl, criterion, optimizer, train=False)
        report.append(dict(epoch=epoch, tr_loss=tr_loss, tr_auc=tr_auc, va_loss=va_loss, va_auc=va_auc))
        print(f"[{epoch:02d}] train {tr_loss:.4f}/{tr_auc:.4f}  val {va_loss:.4f}/{va_auc:.4f}")
        if va_auc > best_auc:
            best_auc = va_auc
            torch.save(model.state_dict(), "churn_best.pt")

    with open(args.report, "w") as f:
        json.dump(report, f, indent=2)


if __name__ == "__main__":
    main()
