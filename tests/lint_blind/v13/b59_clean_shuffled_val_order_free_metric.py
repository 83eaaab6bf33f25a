# expect: clean
# style: research repo with build_loaders() factory, audio classification; validation loader shuffled for a random preview
# note: the validation DataLoader has shuffle=True, but every metric (accuracy, macro-F1, per-class counts) is computed from (pred, label) pairs taken from the same batches, so it is order-free
import argparse
import logging

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F
from torch.utils.data import DataLoader, Dataset

log = logging.getLogger("esc")
N_CLS = 50


class Clips(Dataset):
    def __init__(self, n, seed):
        rng = np.random.default_rng(seed)
        self.y = rng.integers(0, N_CLS, n)
        self.x = rng.normal(size=(n, 64, 216)).astype(np.float32)

    def __len__(self):
        return len(self.y)

    def __getitem__(self, i):
        return torch.from_numpy(self.x[i]), int(self.y[i])


def build_loaders(bs, preview=True):
    tr = DataLoader(Clips(2000, 0), batch_size=bs, shuffle=True, drop_last=True)
    # shuffled so that the "preview" batch logged each epoch covers different classes
    va = DataLoader(Clips(400, 1), batch_size=bs, shuffle=preview)
    return tr, va


class CRNN(nn.Module):
    def __init__(self):
        super().__init__()
        self.conv = nn.Sequential(nn.Conv1d(64, 128, 3, padding=1), nn.BatchNorm1d(128), nn.ReLU(), nn.MaxPool1d(2))
        self.rnn = nn.GRU(128, 128, batch_first=True)
        self.fc = nn.Linear(128, N_CLS)

    def forward(self, x):
        h, _ = self.rnn(self.conv(x).transpose(1, 2))
        return self.fc(h.mean(1))


def macro_f1(preds, labels, k):
    f1 = []
    for c in range(k):
        tp = np.sum((preds == c) & (labels == c))
        fp = np.sum((preds == c) & (labels != c))
        fn = np.sum((preds != c) & (labels == c))
        if tp + fp + fn:
            f1.append(2 * tp / (2 * tp + fp + fn))
    return float(np.mean(f1))


@torch.no_grad()
def evaluate(model, loader, device):
    model.eval()
    preds, labels = [], []
    for i, (x, y) in enumerate(loader):
        p = model(x.to(device)).argmax(-1).cpu()
        preds.append(p.numpy())
        labels.append(y.numpy())
        if i == 0:
            log.info("preview: pred %s / true %s", p[:8].tolist(), y[:8].tolist())
    model.train()
    preds, labels = np.concatenate(preds), np.concatenate(labels)
    return {"acc": float((preds == labels).mean()), "macro_f1": macro_f1(preds, labels, N_CLS)}


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--epochs", type=int, default=10)
    ap.add_argument("--bs", type=int, default=32)
    args = ap.parse_args()
    logging.basicConfig(level=logging.INFO)
    dev = torch.device("cuda" if torch.cuda.is_available() else "cpu")
    tr, va = build_loaders(args.bs)
    model = CRNN().to(dev)
    opt = torch.optim.AdamW(model.parameters(), lr=1e-3)
    for ep in range(args.epochs):
        model.train()
        for x, y in tr:
            x, y = x.to(dev), y.to(dev)
            loss = F.cross_entropy(model(x), y)
            opt.zero_grad()
            loss.backward()
            opt.step()
        log.info("epoch %d %s", ep, evaluate(model, va, dev))


if __name__ == "__main__":
    main()
