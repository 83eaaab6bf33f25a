# expect: clean
# style: imbalanced medical-tabular classifier (stroke prediction) with a loader factory
# note: the training DataLoader has no shuffle=True (TVL015 look-alike), but it is given a WeightedRandomSampler, which draws a random class-balanced order every epoch
import argparse
import logging
import os

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F
from torch.utils.data import DataLoader, TensorDataset, WeightedRandomSampler

log = logging.getLogger("stroke")


def make_data(n, seed):
    rng = np.random.default_rng(seed)
    age = rng.uniform(18, 90, n)
    glucose = rng.normal(105, 40, n)
    bmi = rng.normal(28, 6, n)
    hyper = (rng.random(n) < 0.1).astype(float)
    smoke = rng.integers(0, 3, n)
    logit = -9 + 0.07 * age + 0.01 * glucose + 0.8 * hyper + 0.3 * (smoke == 2)
    y = (rng.random(n) < 1 / (1 + np.exp(-logit))).astype(np.float32)
    X = np.stack([age / 100, glucose / 200, bmi / 50, hyper, smoke == 0, smoke == 1, smoke == 2], 1).astype(np.float32)
    return X, y


def build_train_loader(X, y, bs):
    y_int = y.astype(int)
    class_count = np.bincount(y_int, minlength=2)
    sample_w = 1.0 / class_count[y_int]
    sampler = WeightedRandomSampler(torch.from_numpy(sample_w).double(), num_samples=len(y), replacement=True)
    ds = TensorDataset(torch.from_numpy(X), torch.from_numpy(y))
    return DataLoader(ds, batch_size=bs, sampler=sampler, num_workers=2, drop_last=True)


def build_eval_loader(X, y, bs=2048):
    return DataLoader(TensorDataset(torch.from_numpy(X), torch.from_numpy(y)), batch_size=bs)


class Net(nn.Module):
    def __init__(self, d_in):
        super().__init__()
        self.net = nn.Sequential(nn.Linear(d_in, 64), nn.ReLU(), nn.Dropout(0.2), nn.Linear(64, 32), nn.ReLU(), nn.Linear(32, 1))

    def forward(self, x):
        return self.net(x).squeeze(-1)


@torch.no_grad()
def sens_spec(model, loader):
    model.eval()
    tp = tn = fp = fn = 0
    for x, y in loader:
        p = (torch.sigmoid(model(x)) > 0.5).float()
        tp += ((p == 1) & (y == 1)).sum().item()
        tn += ((p == 0) & (y == 0)).sum().item()
        fp += ((p == 1) & (y == 0)).sum().item()
        fn += ((p == 0) & (y == 1)).sum().item()
    model.train()
    return tp / max(1, tp + fn), tn / max(1, tn + fp)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--epochs", type=int, default=25)
    ap.add_argument("--lr", type=float, default=1e-3)
    ap.add_argument("--bs", type=int, default=256)
    args = ap.parse_args()
    logging.basicConfig(level=logging.INFO)
    torch.manual_seed(0)
    X_tr, y_tr = make_data(40000, 0)
    X_va, y_va = make_data(8000, 1)
    log.info("positive rate train %.4f", y_tr.mean())
    train_dl = build_train_loader(X_tr, y_tr, args.bs)
    val_dl = build_eval_loader(X_va, y_va)
    model = Net(X_tr.shape[1])
    opt = torch.optim.Adam(model.parameters(), lr=args.lr)
    for epoch in range(args.epochs):
        model.train()
        tot = 0.0
        for x, y in train_dl:
            loss = F.binary_cross_entropy_with_logits(model(x), y)
            opt.zero_grad()
            loss.backward()
            opt.step()
            tot += loss.item()
        sens, spec = sens_spec(model, val_dl)
        log.info("epoch %d loss %.4f sensitivity %.3f specificity %.3f", epoch, tot / len(train_dl), sens, spec)
    # pick an operating threshold on the validation split (Youden's J)
    model.eval()
    with torch.no_grad():
        probs = torch.cat([torch.sigmoid(model(x)) for x, _ in val_dl]).numpy()
    best_t, best_j = 0.5, -1.0
    for t in np.linspace(0.05, 0.95, 19):
        pred = probs > t
        sens = (pred & (y_va == 1)).sum() / max(1, (y_va == 1).sum())
        spec = (~pred & (y_va == 0)).sum() / max(1, (y_va == 0).sum())
        if sens + spec - 1 > best_j:
            best_t, best_j = float(t), float(sens + spec - 1)
    log.info("chosen threshold %.2f (J=%.3f)", best_t, best_j)
    os.makedirs("stroke_out", exist_ok=True)
    torch.save(model.state_dict(), "stroke_out/net.pt")


if __name__ == "__main__":
    main()
