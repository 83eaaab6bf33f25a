# expect: clean
# style: imbalanced fraud detection (tabular), DataLoader factory that chooses a WeightedRandomSampler
# note: the training DataLoader has no shuffle=True (looks like TVL015), but it is given a WeightedRandomSampler, which draws a new random order every epoch (shuffle must be off when a sampler is passed)
import argparse
import json
import logging
import os

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F
from torch.utils.data import DataLoader, TensorDataset, WeightedRandomSampler


logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(message)s")
logger = logging.getLogger("fraud")


def load_transactions(n, fraud_rate=0.004, seed=0):
    rng = np.random.default_rng(seed)
    y = (rng.random(n) < fraud_rate).astype(np.float32)
    x = rng.normal(size=(n, 30)).astype(np.float32)
    x[y == 1, :4] += 2.5
    return torch.from_numpy(x), torch.from_numpy(y)


def make_train_loader(x, y, batch_size):
    class_counts = torch.bincount(y.long(), minlength=2).float()
    sample_w = (1.0 / class_counts)[y.long()]
    sampler = WeightedRandomSampler(sample_w, num_samples=len(y), replacement=True)
    return DataLoader(TensorDataset(x, y), batch_size=batch_size, sampler=sampler, drop_last=True)


def make_eval_loader(x, y, batch_size):
    return DataLoader(TensorDataset(x, y), batch_size=batch_size, shuffle=False)


class FraudMLP(nn.Module):
    def __init__(self, d_in=30):
        super().__init__()
        self.net = nn.Sequential(nn.Linear(d_in, 64), nn.ReLU(), nn.Dropout(0.2),
                                 nn.Linear(64, 32), nn.ReLU(), nn.Linear(32, 1))

    def forward(self, x):
        return self.net(x).squeeze(-1)


def average_precision(scores, labels):
    order = scores.argsort(descending=True)
    l = labels[order]
    tp = l.cumsum(0)
    precision = tp / torch.arange(1, len(l) + 1)
    return (precision * l).sum().item() / max(l.sum().item(), 1)


def best_f1_threshold(scores, labels, grid=50):
    probs = torch.sigmoid(scores)
    best = (0.0, 0.5)
    for thr in torch.linspace(0.05, 0.95, grid).tolist():
        pred = (probs > thr).float()
        tp = (pred * labels).sum().item()
        prec = tp / max(pred.sum().item(), 1)
        rec = tp / max(labels.sum().item(), 1)
        f1 = 2 * prec * rec / max(prec + rec, 1e-8)
        best = max(best, (f1, thr))
    return best


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--epochs", type=int, default=15)
    ap.add_argument("--bs", type=int, default=512)
    ap.add_argument("--out", default="artifacts/fraud")
    args = ap.parse_args()
    os.makedirs(args.out, exist_ok=True)
    xtr, ytr = load_transactions(200_000)
    xva, yva = load_transactions(40_000, seed=1)
    mu, sd = xtr.mean(0), xtr.std(0)
    xtr, xva = (xtr - mu) / sd, (xva - mu) / sd

    train_loader = make_train_loader(xtr, ytr, args.bs)
    val_loader = make_eval_loader(xva, yva, 4096)
    model = FraudMLP()
    opt = torch.optim.Adam(model.parameters(), lr=1e-3, weight_decay=1e-5)
    best_ap, best_thr = 0.0, 0.5
    for epoch in range(args.epochs):
        model.train()
        tot = 0.0
        for xb, yb in train_loader:
            opt.zero_grad()
            loss = F.binary_cross_entropy_with_logits(model(xb), yb)
            loss.backward()
            opt.step()
            tot += loss.item()
        model.eval()
        with torch.no_grad():
            scores = torch.cat([model(xb) for xb, _ in val_loader])
        ap_score = average_precision(scores, yva)
        f1, thr = best_f1_threshold(scores, yva)
        logger.info("epoch %d loss %.4f val AP %.4f best F1 %.4f @ %.2f", epoch, tot / len(train_loader), ap_score, f1, thr)
        if ap_score > best_ap:
            best_ap, best_thr = ap_score, thr
            torch.save(model.state_dict(), os.path.join(args.out, "fraud_mlp.pt"))
    with open(os.path.join(args.out, "meta.json"), "w") as f:
        json.dump({"best_ap": best_ap, "threshold": best_thr, "mean": mu.tolist(), "std": sd.tolist()}, f)


if __name__ == "__main__":
    main()
