# expect: clean
# style: imbalanced medical tabular classification (stroke prediction), class-balanced sampling
# note: the training DataLoader has no shuffle=True, which looks like an unshuffled training loader, but it is given a WeightedRandomSampler (shuffle must be False with a sampler), so batches are drawn randomly every epoch
import argparse

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F
from sklearn.metrics import f1_score, roc_auc_score
from torch.utils.data import DataLoader, TensorDataset, WeightedRandomSampler


def make_stroke_data(n, seed):
    rng = np.random.default_rng(seed)
    age = rng.uniform(1, 90, n)
    glucose = rng.normal(100, 40, n)
    bmi = rng.normal(28, 7, n)
    hypert = rng.random(n) < 0.1 + 0.003 * age
    heart = rng.random(n) < 0.05 + 0.002 * age
    smoker = rng.integers(0, 3, n)
    logit = -7 + 0.06 * age + 0.01 * glucose + 0.8 * hypert + 0.9 * heart + 0.2 * smoker
    y = (rng.random(n) < 1 / (1 + np.exp(-logit))).astype(np.int64)
    X = np.stack([age, glucose, bmi, hypert, heart, smoker], 1).astype(np.float32)
    return X, y


def build_train_loader(X, y, batch_size):
    counts = np.bincount(y, minlength=2)
    sample_w = (1.0 / counts)[y]
    sampler = WeightedRandomSampler(torch.as_tensor(sample_w, dtype=torch.double), num_samples=len(y), replacement=True)
    ds = TensorDataset(torch.from_numpy(X), torch.from_numpy(y))
    return DataLoader(ds, batch_size=batch_size, sampler=sampler, drop_last=True)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--epochs", type=int, default=30)
    ap.add_argument("--bs", type=int, default=128)
    args = ap.parse_args()
    torch.manual_seed(0)
    X, y = make_stroke_data(30000, 0)
    Xv, yv = make_stroke_data(5000, 1)
    mu, sd = X.mean(0), X.std(0)
    X, Xv = (X - mu) / sd, (Xv - mu) / sd
    print("positive rate:", y.mean())

    train_dl = build_train_loader(X, y, args.bs)
    val_dl = DataLoader(TensorDataset(torch.from_numpy(Xv), torch.from_numpy(yv)), batch_size=2048)
    model = nn.Sequential(nn.Linear(6, 64), nn.ReLU(), nn.Dropout(0.2), nn.Linear(64, 32), nn.ReLU(), nn.Linear(32, 2))
    opt = torch.optim.Adam(model.parameters(), lr=1e-3, weight_decay=1e-4)
    for epoch in range(args.epochs):
        model.train()
        tot = 0.0
        for xb, yb in train_dl:
            loss = F.cross_entropy(model(xb), yb)
            opt.zero_grad()
            loss.backward()
            opt.step()
            tot += loss.item()
        model.eval()
        with torch.no_grad():
            probs = torch.cat([F.softmax(model(xb), 1)[:, 1] for xb, _ in val_dl]).numpy()
        print(f"epoch {epoch:02d} loss {tot / len(train_dl):.4f} val_auc {roc_auc_score(yv, probs):.4f} "
              f"val_f1 {f1_score(yv, probs > 0.5):.4f}")
    torch.save(model.state_dict(), "stroke_mlp.pt")

    # threshold sweep on the validation set (class balance in training shifts the calibration)
    model.eval()
    with torch.no_grad():
        probs = torch.cat([F.softmax(model(xb), 1)[:, 1] for xb, _ in val_dl]).numpy()
    best_thr, best_f1 = 0.5, 0.0
    for thr in np.linspace(0.05, 0.95, 19):
        f1 = f1_score(yv, probs > thr)
        if f1 > best_f1:
            best_thr, best_f1 = float(thr), f1
    print(f"best threshold {best_thr:.2f} -> F1 {best_f1:.4f}")


if __name__ == "__main__":
    main()
