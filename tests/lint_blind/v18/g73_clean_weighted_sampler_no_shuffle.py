# expect: clean
# style: imbalanced medical tabular classification with WeightedRandomSampler built in a helper
# note: the training DataLoader has no shuffle=True, which looks like TVL015, but it is given a WeightedRandomSampler (sampler and shuffle are mutually exclusive), so batches are randomised.
import argparse
import logging

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F
from sklearn.metrics import balanced_accuracy_score
from torch.utils.data import DataLoader, TensorDataset, WeightedRandomSampler

log = logging.getLogger("imb")


def make_data(n, seed):
    rng = np.random.default_rng(seed)
    y = rng.choice(3, size=n, p=[0.9, 0.08, 0.02])
    x = rng.normal(size=(n, 20)) + np.eye(3)[y].repeat(7, 1)[:, :20] * 1.5
    return torch.tensor(x, dtype=torch.float32), torch.tensor(y)


def balanced_sampler(labels):
    counts = torch.bincount(labels).float()
    weights = (1.0 / counts)[labels]
    return WeightedRandomSampler(weights, num_samples=len(labels), replacement=True)


def build_loaders(bs):
    x_tr, y_tr = make_data(20000, 0)
    x_va, y_va = make_data(4000, 1)
    train = DataLoader(TensorDataset(x_tr, y_tr), batch_size=bs, sampler=balanced_sampler(y_tr), drop_last=True)
    val = DataLoader(TensorDataset(x_va, y_va), batch_size=1024)
    return train, val


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--bs", type=int, default=256)
    ap.add_argument("--epochs", type=int, default=10)
    args = ap.parse_args()
    logging.basicConfig(level=logging.INFO)

    train_dl, val_dl = build_loaders(args.bs)
    model = nn.Sequential(nn.Linear(20, 128), nn.ReLU(), nn.Dropout(0.2), nn.Linear(128, 64), nn.ReLU(), nn.Linear(64, 3))
    opt = torch.optim.Adam(model.parameters(), lr=1e-3)
    for epoch in range(args.epochs):
        model.train()
        tot, seen = 0.0, torch.zeros(3)
        for x, y in train_dl:
            loss = F.cross_entropy(model(x), y)
            opt.zero_grad()
            loss.backward()
            opt.step()
            tot += loss.item()
            seen += torch.bincount(y, minlength=3)
        model.eval()
        preds, gold = [], []
        with torch.no_grad():
            for x, y in val_dl:
                preds.append(model(x).argmax(1))
                gold.append(y)
        bacc = balanced_accuracy_score(torch.cat(gold).numpy(), torch.cat(preds).numpy())
        log.info("epoch %d loss %.4f class_mix %s balanced_acc %.4f", epoch, tot / len(train_dl),
                 (seen / seen.sum()).round(decimals=2).tolist(), bacc)
    torch.save(model.state_dict(), "imbalanced_mlp.pt")


if __name__ == "__main__":
    main()
