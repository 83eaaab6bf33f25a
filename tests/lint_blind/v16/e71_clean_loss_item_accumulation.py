# expect: clean
# style: engine with an AverageMeter and a history dict, ECG time-series classifier
# note: losses are summed across iterations in several places (meter, epoch total, per-class dict), but always as loss.item() / detached floats, never the graph-carrying tensor
import argparse
import logging
from collections import defaultdict

import torch
import torch.nn as nn
import torch.nn.functional as F
from torch.utils.data import DataLoader, TensorDataset

log = logging.getLogger("ecg")


class AverageMeter:
    def __init__(self):
        self.reset()

    def reset(self):
        self.sum = 0.0
        self.n = 0

    def update(self, val: float, n: int = 1):
        self.sum += val * n
        self.n += n

    @property
    def avg(self):
        return self.sum / max(1, self.n)


class ECGNet(nn.Module):
    def __init__(self, n_leads=12, n_classes=5):
        super().__init__()
        self.net = nn.Sequential(
            nn.Conv1d(n_leads, 64, 15, padding=7), nn.BatchNorm1d(64), nn.ReLU(), nn.MaxPool1d(2),
            nn.Conv1d(64, 128, 9, padding=4), nn.BatchNorm1d(128), nn.ReLU(), nn.MaxPool1d(2),
            nn.Conv1d(128, 128, 9, padding=4), nn.BatchNorm1d(128), nn.ReLU(), nn.AdaptiveAvgPool1d(1))
        self.fc = nn.Linear(128, n_classes)

    def forward(self, x):
        return self.fc(self.net(x).squeeze(-1))


def train_epoch(model, loader, opt, history):
    model.train()
    meter = AverageMeter()
    per_class = defaultdict(float)
    total = 0.0
    for x, y in loader:
        logits = model(x)
        losses = F.cross_entropy(logits, y, reduction="none")
        loss = losses.mean()
        opt.zero_grad()
        loss.backward()
        opt.step()
        meter.update(loss.item(), len(y))
        total += loss.item()
        for c in y.unique().tolist():
            per_class[c] += losses[y == c].sum().item()
    history["train_loss"].append(meter.avg)
    history["per_class"].append(dict(per_class))
    return total / len(loader)


@torch.no_grad()
def evaluate(model, loader):
    model.eval()
    meter = AverageMeter()
    correct = 0
    for x, y in loader:
        logits = model(x)
        meter.update(F.cross_entropy(logits, y).item(), len(y))
        correct += (logits.argmax(1) == y).sum().item()
    model.train()
    return meter.avg, correct / meter.n


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--epochs", type=int, default=15)
    ap.add_argument("--lr", type=float, default=1e-3)
    args = ap.parse_args()
    logging.basicConfig(level=logging.INFO)
    x, y = torch.randn(6000, 12, 1000), torch.randint(0, 5, (6000,))
    train_loader = DataLoader(TensorDataset(x[:5000], y[:5000]), batch_size=64, shuffle=True)
    val_loader = DataLoader(TensorDataset(x[5000:], y[5000:]), batch_size=256)
    model = ECGNet()
    opt = torch.optim.Adam(model.parameters(), lr=args.lr)
    history = defaultdict(list)
    for epoch in range(args.epochs):
        mean_batch_loss = train_epoch(model, train_loader, opt, history)
        vl, va = evaluate(model, val_loader)
        log.info("epoch %d train %.4f (%.4f) val %.4f acc %.4f", epoch, history["train_loss"][-1],
                 mean_batch_loss, vl, va)
    torch.save({"model": model.state_dict(), "history": dict(history)}, "ecgnet.pt")


if __name__ == "__main__":
    main()
