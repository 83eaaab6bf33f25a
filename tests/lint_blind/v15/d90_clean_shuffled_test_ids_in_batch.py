# expect: clean
# style: inference + submission script for a tabular competition; the test dataset returns each row's id with its features
# note: the test DataLoader uses shuffle=True (left over from copying the train loader) and a submission file is written, which is normally order-dependent — but every batch carries its own row ids and predictions are written next to those ids, so the order of batches does not matter; inference runs under inference_mode and the checkpoint is loaded with weights_only=True
import argparse
import csv
import os

import numpy as np
import torch
import torch.nn as nn
from torch.utils.data import DataLoader, Dataset


class RowsWithIds(Dataset):
    def __init__(self, ids, X, y=None):
        self.ids, self.X, self.y = ids, torch.tensor(X, dtype=torch.float32), y

    def __len__(self):
        return len(self.ids)

    def __getitem__(self, i):
        if self.y is None:
            return self.ids[i], self.X[i]
        return self.ids[i], self.X[i], torch.tensor(self.y[i], dtype=torch.float32)


class Net(nn.Module):
    def __init__(self, d):
        super().__init__()
        self.body = nn.Sequential(nn.Linear(d, 128), nn.ReLU(), nn.Dropout(0.1), nn.Linear(128, 64), nn.ReLU())
        self.out = nn.Linear(64, 1)

    def forward(self, x):
        return self.out(self.body(x)).squeeze(-1)


def make_data(n, d, seed):
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n, d)).astype(np.float32)
    y = (X[:, 0] - 0.5 * X[:, 1] + 0.3 * X[:, 2] * X[:, 3] + rng.normal(0, 0.5, n) > 0).astype(np.float32)
    ids = [f"row_{seed}_{i}" for i in range(n)]
    return ids, X, y


def train(model, loader, epochs, lr):
    opt = torch.optim.Adam(model.parameters(), lr=lr)
    crit = nn.BCEWithLogitsLoss()
    for ep in range(epochs):
        model.train()
        tot = 0.0
        for _, xb, yb in loader:
            loss = crit(model(xb), yb)
            opt.zero_grad()
            loss.backward()
            opt.step()
            tot += loss.item() * len(yb)
        print(f"epoch {ep} loss {tot / len(loader.dataset):.4f}")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--ckpt", default="tab_net.pt")
    ap.add_argument("--epochs", type=int, default=10)
    ap.add_argument("--out", default="submission.csv")
    args = ap.parse_args()
    torch.manual_seed(0)
    d = 16
    tr_ids, Xtr, ytr = make_data(20000, d, 0)
    te_ids, Xte, _ = make_data(5000, d, 1)
    model = Net(d)
    if os.path.exists(args.ckpt):
        model.load_state_dict(torch.load(args.ckpt, map_location="cpu", weights_only=True))
    else:
        train(model, DataLoader(RowsWithIds(tr_ids, Xtr, ytr), batch_size=256, shuffle=True), args.epochs, 1e-3)
        torch.save(model.state_dict(), args.ckpt)

    test_loader = DataLoader(RowsWithIds(te_ids, Xte), batch_size=512, shuffle=True)
    model.eval()
    rows = []
    with torch.inference_mode():
        for ids, xb in test_loader:
            probs = torch.sigmoid(model(xb))
            rows.extend(zip(ids, probs.tolist()))
    rows.sort(key=lambda r: int(r[0].rsplit("_", 1)[1]))
    with open(args.out, "w", newline="") as f:
        w = csv.writer(f)
        w.writerow(["id", "target"])
        w.writerows(rows)
    print(f"wrote {len(rows)} predictions to {args.out}")


if __name__ == "__main__":
    main()
