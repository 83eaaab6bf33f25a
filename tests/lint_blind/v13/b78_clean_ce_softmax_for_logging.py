# expect: clean
# style: research repo, vision classification with calibration logging (ECE) and label smoothing
# note: F.softmax is computed in the training step, but only for the confidence/ECE statistics; CrossEntropyLoss gets the raw logits and long labels
import argparse
import logging

import torch
import torch.nn as nn
import torch.nn.functional as F
from torch.utils.data import DataLoader, TensorDataset

log = logging.getLogger("calib")


class WideNet(nn.Module):
    def __init__(self, n_cls=10, k=4):
        super().__init__()
        w = 16 * k
        self.f = nn.Sequential(nn.Conv2d(3, w, 3, padding=1), nn.BatchNorm2d(w), nn.ReLU(),
                               nn.Conv2d(w, 2 * w, 3, 2, 1), nn.BatchNorm2d(2 * w), nn.ReLU(),
                               nn.Conv2d(2 * w, 4 * w, 3, 2, 1), nn.BatchNorm2d(4 * w), nn.ReLU(),
                               nn.AdaptiveAvgPool2d(1), nn.Flatten())
        self.fc = nn.Linear(4 * w, n_cls)

    def forward(self, x):
        return self.fc(self.f(x))


def ece(conf, correct, n_bins=15):
    bins = torch.linspace(0, 1, n_bins + 1)
    e = torch.zeros(())
    for lo, hi in zip(bins[:-1], bins[1:]):
        m = (conf > lo) & (conf <= hi)
        if m.any():
            e += m.float().mean() * (conf[m].mean() - correct[m].float().mean()).abs()
    return e.item()


def train_step(model, x, y, opt, criterion):
    logits = model(x)
    loss = criterion(logits, y)
    opt.zero_grad()
    loss.backward()
    opt.step()
    with torch.no_grad():
        probs = F.softmax(logits, dim=1)
        conf, pred = probs.max(1)
    return loss.item(), conf.mean().item(), (pred == y).float().mean().item()


@torch.no_grad()
def evaluate(model, loader):
    model.eval()
    confs, corr = [], []
    for x, y in loader:
        p = F.softmax(model(x), 1)
        c, pred = p.max(1)
        confs.append(c)
        corr.append(pred == y)
    model.train()
    confs, corr = torch.cat(confs), torch.cat(corr)
    return corr.float().mean().item(), ece(confs, corr)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--epochs", type=int, default=10)
    ap.add_argument("--smoothing", type=float, default=0.1)
    args = ap.parse_args()
    logging.basicConfig(level=logging.INFO)
    x, y = torch.randn(6000, 3, 32, 32), torch.randint(0, 10, (6000,))
    tr = DataLoader(TensorDataset(x[:5000], y[:5000]), batch_size=128, shuffle=True)
    va = DataLoader(TensorDataset(x[5000:], y[5000:]), batch_size=500)
    model = WideNet()
    criterion = nn.CrossEntropyLoss(label_smoothing=args.smoothing)
    opt = torch.optim.SGD(model.parameters(), lr=0.1, momentum=0.9, weight_decay=5e-4, nesterov=True)
    sched = torch.optim.lr_scheduler.MultiStepLR(opt, milestones=[5, 8], gamma=0.2)
    for ep in range(args.epochs):
        model.train()
        stats = [train_step(model, xb, yb, opt, criterion) for xb, yb in tr]
        sched.step()
        loss, conf, acc = (sum(s[i] for s in stats) / len(stats) for i in range(3))
        vacc, vece = evaluate(model, va)
        log.info("ep %d loss %.3f train conf %.3f acc %.3f | val acc %.3f ECE %.4f", ep, loss, conf, acc, vacc, vece)


if __name__ == "__main__":
    main()
