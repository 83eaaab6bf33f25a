# expect: clean
# style: wine-quality regression with a model factory and a train() helper; Linear(..., 1) head
# note: the head is nn.Linear(hidden, 1) and the targets are 1-D (TVL009 look-alike), but `RegressionMLP.forward` squeezes the last dim so predictions are (B,) like the targets
import argparse
import json
import logging
import os

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F
from torch.utils.data import DataLoader, TensorDataset

log = logging.getLogger("wine")

MODEL_CFG = {"hidden": [64, 64], "dropout": 0.1, "activation": "silu"}
ACTS = {"relu": nn.ReLU, "silu": nn.SiLU, "gelu": nn.GELU}


class RegressionMLP(nn.Module):
    def __init__(self, d_in, hidden, dropout, activation):
        super().__init__()
        layers, d = [], d_in
        for h in hidden:
            layers += [nn.Linear(d, h), ACTS[activation](), nn.Dropout(dropout)]
            d = h
        self.body = nn.Sequential(*layers)
        self.head = nn.Linear(d, 1)

    def forward(self, x):
        return self.head(self.body(x)).squeeze(-1)


def build_model(d_in, cfg):
    return RegressionMLP(d_in, cfg["hidden"], cfg["dropout"], cfg["activation"])


def load_wine(n=6000, seed=0):
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n, 11)).astype(np.float32)
    w = rng.normal(size=11).astype(np.float32)
    y = (5.8 + 0.4 * X @ w / np.sqrt(11) + rng.normal(0, 0.5, n)).astype(np.float32)
    return X, y


def train(model, train_dl, val_dl, epochs, lr):
    opt = torch.optim.Adam(model.parameters(), lr=lr)
    sched = torch.optim.lr_scheduler.ReduceLROnPlateau(opt, mode="min", factor=0.5, patience=5)
    best, best_state = float("inf"), None
    for epoch in range(epochs):
        model.train()
        tr = []
        for xb, yb in train_dl:
            pred = model(xb)
            loss = F.huber_loss(pred, yb, delta=1.0)
            opt.zero_grad()
            loss.backward()
            opt.step()
            tr.append(loss.item())
        model.eval()
        with torch.no_grad():
            se = sum(((model(xb) - yb) ** 2).sum().item() for xb, yb in val_dl)
        rmse = float(np.sqrt(se / len(val_dl.dataset)))
        sched.step(rmse)
        if rmse < best:
            best = rmse
            best_state = {k: v.clone() for k, v in model.state_dict().items()}
        if epoch % 10 == 0:
            log.info("epoch %d huber %.4f val rmse %.4f", epoch, np.mean(tr), rmse)
    model.load_state_dict(best_state)
    return best


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--epochs", type=int, default=120)
    ap.add_argument("--lr", type=float, default=3e-3)
    ap.add_argument("--out", default="wine_out")
    ap.add_argument("--seeds", type=int, default=3)
    args = ap.parse_args()
    logging.basicConfig(level=logging.INFO)
    torch.manual_seed(0)
    X, y = load_wine()
    mu, sd = X[:5000].mean(0), X[:5000].std(0)
    X = (X - mu) / sd
    train_dl = DataLoader(TensorDataset(torch.from_numpy(X[:5000]), torch.from_numpy(y[:5000])), batch_size=64, shuffle=True)
    val_dl = DataLoader(TensorDataset(torch.from_numpy(X[5000:]), torch.from_numpy(y[5000:])), batch_size=512)
    scores = []
    for seed in range(args.seeds):
        torch.manual_seed(seed)
        candidate = build_model(X.shape[1], MODEL_CFG)
        rmse = train(candidate, train_dl, val_dl, args.epochs, args.lr)
        log.info("seed %d best val rmse %.4f", seed, rmse)
        scores.append((rmse, seed, candidate))
    scores.sort(key=lambda t: t[0])
    best, best_seed, model = scores[0]
    log.info("best val rmse %.4f (seed %d), mean over seeds %.4f", best, best_seed, float(np.mean([s[0] for s in scores])))
    os.makedirs(args.out, exist_ok=True)
    torch.save(model.state_dict(), os.path.join(args.out, "wine_mlp.pt"))
    with open(os.path.join(args.out, "cfg.json"), "w") as f:
        json.dump({"model": MODEL_CFG, "best_rmse": best}, f)


if __name__ == "__main__":
    main()
