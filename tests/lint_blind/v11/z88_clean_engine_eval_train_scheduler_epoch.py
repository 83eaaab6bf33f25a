# expect: clean
# style: full classification engine with argparse, checkpointing, per-epoch MultiStepLR, evaluate() that calls train() at the end
# note: evaluate() switches to eval inside the epoch loop and the MultiStepLR is stepped in the epoch loop, but evaluate() restores train mode and the scheduler steps once per epoch after the optimizer
import argparse
import json
import os

import torch
import torch.nn as nn
import torch.nn.functional as F
from torch.utils.data import DataLoader, TensorDataset


def get_args():
    ap = argparse.ArgumentParser()
    ap.add_argument("--epochs", type=int, default=12)
    ap.add_argument("--lr", type=float, default=0.1)
    ap.add_argument("--milestones", type=int, nargs="+", default=[6, 9])
    ap.add_argument("--out", default="runs/engine")
    return ap.parse_args()


def build_model():
    return nn.Sequential(nn.Conv2d(3, 32, 3, padding=1), nn.BatchNorm2d(32), nn.ReLU(), nn.MaxPool2d(2),
                         nn.Conv2d(32, 64, 3, padding=1), nn.BatchNorm2d(64), nn.ReLU(), nn.MaxPool2d(2),
                         nn.Flatten(), nn.Dropout(0.3), nn.Linear(64 * 8 * 8, 10))


def train_one_epoch(model, loader, opt):
    total, n = 0.0, 0
    for x, y in loader:
        loss = F.cross_entropy(model(x), y)
        opt.zero_grad()
        loss.backward()
        opt.step()
        total += loss.item() * len(y)
        n += len(y)
    return total / n


def evaluate(model, loader):
    model.eval()
    correct = n = 0
    with torch.no_grad():
        for x, y in loader:
            correct += (model(x).argmax(1) == y).sum().item()
            n += len(y)
    model.train()
    return correct / n


def main():
    args = get_args()
    os.makedirs(args.out, exist_ok=True)
    x, y = torch.randn(2400, 3, 32, 32), torch.randint(0, 10, (2400,))
    train_dl = DataLoader(TensorDataset(x[:2000], y[:2000]), batch_size=64, shuffle=True)
    val_dl = DataLoader(TensorDataset(x[2000:], y[2000:]), batch_size=200)
    model = build_model()
    opt = torch.optim.SGD(model.parameters(), lr=args.lr, momentum=0.9, weight_decay=5e-4)
    sched = torch.optim.lr_scheduler.MultiStepLR(opt, milestones=args.milestones, gamma=0.1)
    model.train()
    log, best = [], 0.0
    for epoch in range(args.epochs):
        tl = train_one_epoch(model, train_dl, opt)
        acc = evaluate(model, val_dl)
        sched.step()
        log.append({"epoch": epoch, "train_loss": tl, "val_acc": acc, "lr": sched.get_last_lr()[0]})
        if acc > best:
            best = acc
            torch.save(model.state_dict(), os.path.join(args.out, "best.pt"))
        print(json.dumps(log[-1]))
    with open(os.path.join(args.out, "log.json"), "w") as f:
        json.dump(log, f)


if __name__ == "__main__":
    main()
