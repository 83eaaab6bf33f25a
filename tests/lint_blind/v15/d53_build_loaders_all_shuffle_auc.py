# expect: TVL017
# style: research repo with build_loaders() for all splits and a predict() helper; ECG arrhythmia binary classifier
# bug: build_loaders() uses shuffle=True for every split, and main() scores predict(model, val_loader) against val_ds.labels in dataset order (roc_auc_score, plus a per-record CSV), so predictions are matched to the wrong records
import argparse
import csv
import logging
import os

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F
from sklearn.metrics import roc_auc_score
from torch.utils.data import DataLoader, Dataset

logger = logging.getLogger("ecg")


class ECGDataset(Dataset):
    def __init__(self, n, seed, length=1000):
        rng = np.random.default_rng(seed)
        self.record_ids = [f"rec{seed}_{i:05d}" for i in range(n)]
        self.labels = rng.integers(0, 2, n).astype(np.float32)
        t = np.arange(length) / 250.0
        hr = np.where(self.labels == 1, rng.uniform(1.6, 2.4, n), rng.uniform(1.0, 1.3, n))
        self.signals = np.stack([np.sin(2 * np.pi * h * t) ** 15 for h in hr]).astype(np.float32)
        self.signals += rng.normal(0, 0.2, self.signals.shape).astype(np.float32)

    def __len__(self):
        return len(self.labels)

    def __getitem__(self, i):
        return torch.from_numpy(self.signals[i])[None], torch.tensor(self.labels[i])


def build_loaders(args):
    splits = {"train": ECGDataset(6000, 0), "val": ECGDataset(1200, 1)}
    loaders = {
        name: DataLoader(ds, batch_size=args.batch_size, shuffle=True, num_workers=args.workers, drop_last=False)
        for name, ds in splits.items()
    }
    return splits, loaders


class ResBlock1d(nn.Module):
    def __init__(self, c, k=7):
        super().__init__()
        self.c1 = nn.Conv1d(c, c, k, padding=k // 2)
        self.b1 = nn.BatchNorm1d(c)
        self.c2 = nn.Conv1d(c, c, k, padding=k // 2)
        self.b2 = nn.BatchNorm1d(c)

    def forward(self, x):
        return F.relu(x + self.b2(self.c2(F.relu(self.b1(self.c1(x))))))


class ECGNet(nn.Module):
    def __init__(self, c=32):
        super().__init__()
        self.stem = nn.Sequential(nn.Conv1d(1, c, 15, stride=2, padding=7), nn.BatchNorm1d(c), nn.ReLU())
        self.blocks = nn.Sequential(ResBlock1d(c), nn.MaxPool1d(2), ResBlock1d(c), nn.MaxPool1d(2), ResBlock1d(c))
        self.fc = nn.Linear(c, 1)

    def forward(self, x):
        return self.fc(self.blocks(self.stem(x)).mean(-1)).squeeze(-1)


@torch.no_grad()
def predict(model, loader, device):
    model.eval()
    out = []
    for x, _ in loader:
        out.append(torch.sigmoid(model(x.to(device))).cpu())
    return torch.cat(out).numpy()


def train_epoch(model, loader, opt, device):
    model.train()
    losses = []
    for x, y in loader:
        loss = F.binary_cross_entropy_with_logits(model(x.to(device)), y.to(device))
        opt.zero_grad()
        loss.backward()
        opt.step()
        losses.append(loss.item())
    return float(np.mean(losses))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--epochs", type=int, default=10)
    ap.add_argument("--batch-size", type=int, default=64)
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--lr", type=float, default=1e-3)
    ap.add_argument("--out", default="ecg_out")
    args = ap.parse_args()
    logging.basicConfig(level=logging.INFO)
    os.makedirs(args.out, exist_ok=True)
    device = "cuda" if torch.cuda.is_available() else "cpu"

    datasets, loaders = build_loaders(args)
    model = ECGNet().to(device)
    opt = torch.optim.Adam(model.parameters(), lr=args.lr)
    best_auc = 0.0
    for epoch in range(args.epochs):
        tr_loss = train_epoch(model, loaders["train"], opt, device)
        val_scores = predict(model, loaders["val"], device)
        auc = roc_auc_score(datasets["val"].labels, val_scores)
        logger.info("epoch %d train_loss %.4f val_auc %.4f", epoch, tr_loss, auc)
        if auc > best_auc:
            best_auc = auc
            torch.save(model.state_dict(), os.path.join(args.out, "best.pt"))
            with open(os.path.join(args.out, "val_predictions.csv"), "w", newline="") as f:
                w = csv.writer(f)
                w.writerow(["record_id", "label", "score"])
                for rid, lab, s in zip(datasets["val"].record_ids, datasets["val"].labels, val_scores):
                    w.writerow([rid, int(lab), f"{s:.5f}"])
    logger.info("best val auc %.4f", best_auc)


if __name__ == "__main__":
    main()
