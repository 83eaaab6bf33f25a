# expect: TVL004
# style: shared run_epoch(train=bool) helper, tabular credit-default MLP
# bug: run_epoch guards backward() with `if is_train` but optimizer.step() sits outside the guard, so the validation pass also steps the optimizer with the last training batch's stale gradients
import argparse
import json
import os
import random

import numpy as np
import torch
import torch.nn as nn
from torch.utils.data import DataLoader, TensorDataset


def set_seed(seed):
    random.seed(seed)
    np.random.seed(seed)
    torch.manual_seed(seed)
    if torch.cuda.is_available():
        torch.cuda.manual_seed_all(seed)


class EarlyStopping:
    def __init__(self, patience=5, min_delta=1e-4):
        self.patience, self.min_delta = patience, min_delta
        self.best, self.bad_epochs = float("inf"), 0

    def step(self, value):
        if value < self.best - self.min_delta:
            self.best, self.bad_epochs = value, 0
            return False
        self.bad_epochs += 1
        return self.bad_epochs >= self.patience


def make_split(n, d, seed):
    rng = np.random.default_rng(seed)
    x = rng.normal(size=(n, d)).astype(np.float32)
    w = rng.normal(size=(d,)).astype(np.float32)
    y = (x @ w + rng.normal(scale=0.5, size=n) > 0).astype(np.int64)
    return TensorDataset(torch.from_numpy(x), torch.from_numpy(y))


class CreditMLP(nn.Module):
    def __init__(self, d_in, hidden=(128, 64), p=0.2):
        super().__init__()
        layers, prev = [], d_in
        for h in hidden:
            layers += [nn.Linear(prev, h), nn.BatchNorm1d(h), nn.ReLU(), nn.Dropout(p)]
            prev = h
        layers.append(nn.Linear(prev, 2))
        self.net = nn.Sequential(*layers)

    def forward(self, x):
        return self.net(x)


def run_epoch(model, loader, criterion, optimizer, device, is_train):
    model.train(is_train)
    total_loss, correct, n = 0.0, 0, 0
    ctx = torch.enable_grad() if is_train else torch.no_grad()
    with ctx:
        for x, y in loader:
            x, y = x.to(device), y.to(device)
            if is_train:
                optimizer.zero_grad()
            logits = model(x)
            loss = criterion(logits, y)
            if is_train:
                loss.backward()
                torch.nn.utils.clip_grad_norm_(model.parameters(), 2.0)
            optimizer.step()
            total_loss += loss.item() * x.size(0)
            correct += (logits.argmax(1) == y).sum().item()
            n += x.size(0)
    return total_loss / n, correct / n


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--epochs", type=int, default=20)
    ap.add_argument("--bs", type=int, default=256)
    ap.add_argument("--lr", type=float, default=1e-3)
    ap.add_argument("--features", type=int, default=23)
    ap.add_argument("--seed", type=int, default=7)
    ap.add_argument("--out", default="runs/credit")
    args = ap.parse_args()
    set_seed(args.seed)
    os.makedirs(args.out, exist_ok=True)
    device = "cuda" if torch.cuda.is_available() else "cpu"

    train_loader = DataLoader(make_split(24000, args.features, 0), batch_size=args.bs, shuffle=True)
    val_loader = DataLoader(make_split(6000, args.features, 1), batch_size=1024)

    model = CreditMLP(args.features).to(device)
    criterion = nn.CrossEntropyLoss(weight=torch.tensor([1.0, 3.5], device=device))
    optimizer = torch.optim.Adam(model.parameters(), lr=args.lr, weight_decay=1e-5)
    scheduler = torch.optim.lr_scheduler.StepLR(optimizer, step_size=7, gamma=0.3)

    best_val = float("inf")
    stopper = EarlyStopping(patience=5)
    history = []
    for epoch in range(args.epochs):
        tr_loss, tr_acc = run_epoch(model, train_loader, criterion, optimizer, device, True)
        va_loss, va_acc = run_epoch(model, val_loader, criterion, optimizer, device, False)
        scheduler.step()
        print(f"{epoch:02d} train {tr_loss:.4f}/{tr_acc:.3f}  val {va_loss:.4f}/{va_acc:.3f}")
        history.append({"epoch": epoch, "train_loss": tr_loss, "train_acc": tr_acc,
                        "val_loss": va_loss, "val_acc": va_acc, "lr": scheduler.get_last_lr()[0]})
        if va_loss < best_val:
            best_val = va_loss
            torch.save({"epoch": epoch, "state_dict": model.state_dict()}, os.path.join(args.out, "credit_best.pt"))
        if stopper.step(va_loss):
            print(f"early stopping at epoch {epoch} (best val loss {stopper.best:.4f})")
            break
    with open(os.path.join(args.out, "history.json"), "w") as f:
        json.dump(history, f, indent=2)


if __name__ == "__main__":
    main()
