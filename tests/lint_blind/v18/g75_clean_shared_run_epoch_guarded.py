# expect: clean
# style: shared run_epoch(model, loader, optimizer=None) for train and validation, tabular credit scoring
# note: one function both trains and validates and contains optimizer.step(), which looks like TVL004, but the step only runs when an optimizer is passed (training), validation passes None under torch.no_grad(), and model.train(is_train) sets the mode each call.
import argparse
import logging

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F
from sklearn.metrics import roc_auc_score
from torch.utils.data import DataLoader, TensorDataset

logger = logging.getLogger("credit")


def load_split(n, seed):
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n, 15)).astype(np.float32)
    logits = X[:, 0] * 1.2 - X[:, 4] + 0.5 * X[:, 7] * X[:, 8]
    y = (rng.random(n) < 1 / (1 + np.exp(-logits))).astype(np.float32)
    return TensorDataset(torch.from_numpy(X), torch.from_numpy(y))


class ScoreNet(nn.Module):
    def __init__(self, d=15):
        super().__init__()
        self.net = nn.Sequential(nn.Linear(d, 64), nn.BatchNorm1d(64), nn.ReLU(), nn.Dropout(0.25),
                                 nn.Linear(64, 32), nn.ReLU(), nn.Linear(32, 1))

    def forward(self, x):
        return self.net(x).squeeze(-1)


def run_epoch(model, loader, optimizer=None):
    is_train = optimizer is not None
    model.train(is_train)
    losses, scores, labels = [], [], []
    with torch.set_grad_enabled(is_train):
        for x, y in loader:
            logits = model(x)
            loss = F.binary_cross_entropy_with_logits(logits, y)
            if is_train:
                optimizer.zero_grad()
                loss.backward()
                optimizer.step()
            losses.append(loss.item())
            scores.append(torch.sigmoid(logits).detach())
            labels.append(y)
    auc = roc_auc_score(torch.cat(labels).numpy(), torch.cat(scores).numpy())
    return float(np.mean(losses)), auc


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--epochs", type=int, default=20)
    ap.add_argument("--lr", type=float, default=2e-3)
    ap.add_argument("--patience", type=int, default=4)
    args = ap.parse_args()
    logging.basicConfig(level=logging.INFO)

    train_dl = DataLoader(load_split(15000, 0), batch_size=256, shuffle=True)
    val_dl = DataLoader(load_split(3000, 1), batch_size=1024)
    model = ScoreNet()
    opt = torch.optim.Adam(model.parameters(), lr=args.lr, weight_decay=1e-5)
    best, bad = 0.0, 0
    for epoch in range(args.epochs):
        tr_loss, tr_auc = run_epoch(model, train_dl, opt)
        va_loss, va_auc = run_epoch(model, val_dl)
        logger.info("epoch %d train %.4f/%.4f val %.4f/%.4f", epoch, tr_loss, tr_auc, va_loss, va_auc)
        if va_auc > best:
            best, bad = va_auc, 0
            torch.save(model.state_dict(), "scorenet.pt")
        else:
            bad += 1
            if bad >= args.patience:
                logger.info("early stop at epoch %d (best auc %.4f)", epoch, best)
                break


if __name__ == "__main__":
    main()
