# expect: TVL015
# style: research repo `build_dataloaders(cfg)` factory for a sorted-by-class tabular dataset (credit fraud), Trainer elsewhere
# bug: `build_dataloaders` creates the training DataLoader with neither shuffle=True nor a sampler, and the training frame is sorted by label, so every epoch sees all negatives then all positives
import argparse
import logging
import os

import numpy as np
import pandas as pd
import torch
import torch.nn as nn
import torch.nn.functional as F
from torch.utils.data import DataLoader, Dataset

log = logging.getLogger("fraud")

CFG = {
    "data": {"n_train": 80000, "n_val": 10000, "pos_rate": 0.02, "batch_size": 512, "num_workers": 4},
    "model": {"hidden": [256, 128], "dropout": 0.2},
    "optim": {"lr": 1e-3, "weight_decay": 1e-5, "epochs": 15},
}


class FraudFrame(Dataset):
    def __init__(self, df, feature_cols):
        self.x = torch.tensor(df[feature_cols].values, dtype=torch.float32)
        self.y = torch.tensor(df["is_fraud"].values, dtype=torch.float32)

    def __len__(self):
        return len(self.y)

    def __getitem__(self, i):
        return self.x[i], self.y[i]


def load_frame(n, pos_rate, seed):
    rng = np.random.default_rng(seed)
    df = pd.DataFrame(rng.normal(size=(n, 30)), columns=[f"v{i}" for i in range(30)])
    df["amount"] = rng.lognormal(3, 1, n)
    df["is_fraud"] = (rng.random(n) < pos_rate).astype(int)
    df.loc[df.is_fraud == 1, ["v1", "v3", "v7"]] += 1.5
    # the export comes grouped by label; keep a stable order for reproducible splits
    return df.sort_values(["is_fraud", "amount"]).reset_index(drop=True)


def build_dataloaders(cfg):
    dcfg = cfg["data"]
    feats = [f"v{i}" for i in range(30)] + ["amount"]
    train_df = load_frame(dcfg["n_train"], dcfg["pos_rate"], seed=0)
    val_df = load_frame(dcfg["n_val"], dcfg["pos_rate"], seed=1)
    mu, sd = train_df[feats].mean(), train_df[feats].std()
    train_df[feats] = (train_df[feats] - mu) / sd
    val_df[feats] = (val_df[feats] - mu) / sd
    train_dl = DataLoader(FraudFrame(train_df, feats), batch_size=dcfg["batch_size"],
                          num_workers=dcfg["num_workers"], pin_memory=True, drop_last=True)
    val_dl = DataLoader(FraudFrame(val_df, feats), batch_size=4 * dcfg["batch_size"], num_workers=dcfg["num_workers"])
    return train_dl, val_dl, len(feats), float(train_df.is_fraud.mean())


def build_model(d_in, mcfg):
    layers, d = [], d_in
    for h in mcfg["hidden"]:
        layers += [nn.Linear(d, h), nn.BatchNorm1d(h), nn.ReLU(), nn.Dropout(mcfg["dropout"])]
        d = h
    layers.append(nn.Linear(d, 1))
    return nn.Sequential(*layers)


def pr_auc(scores, labels):
    order = np.argsort(-scores)
    l = labels[order]
    tp = np.cumsum(l)
    precision = tp / np.arange(1, len(l) + 1)
    recall = tp / max(1, l.sum())
    return float(np.sum(np.diff(np.concatenate([[0], recall])) * precision))


class Trainer:
    def __init__(self, model, ocfg, pos_weight, device):
        self.model = model.to(device)
        self.device = device
        self.epochs = ocfg["epochs"]
        self.opt = torch.optim.Adam(model.parameters(), lr=ocfg["lr"], weight_decay=ocfg["weight_decay"])
        self.pos_weight = torch.tensor([pos_weight], device=device)

    def fit(self, train_dl, val_dl):
        for epoch in range(self.epochs):
            self.model.train()
            tot = 0.0
            for x, y in train_dl:
                x, y = x.to(self.device), y.to(self.device)
                logit = self.model(x).squeeze(1)
                loss = F.binary_cross_entropy_with_logits(logit, y, pos_weight=self.pos_weight)
                self.opt.zero_grad()
                loss.backward()
                self.opt.step()
                tot += loss.item()
            ap = self.evaluate(val_dl)
            log.info("epoch %d loss %.4f val PR-AUC %.4f", epoch, tot / len(train_dl), ap)

    @torch.no_grad()
    def evaluate(self, loader):
        self.model.eval()
        s, l = [], []
        for x, y in loader:
            s.append(torch.sigmoid(self.model(x.to(self.device)).squeeze(1)).cpu().numpy())
            l.append(y.numpy())
        self.model.train()
        return pr_auc(np.concatenate(s), np.concatenate(l))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--out", default="fraud_out")
    args = ap.parse_args()
    logging.basicConfig(level=logging.INFO)
    torch.manual_seed(0)
    device = torch.device("cuda" if torch.cuda.is_available() else "cpu")
    train_dl, val_dl, d_in, pos_rate = build_dataloaders(CFG)
    model = build_model(d_in, CFG["model"])
    trainer = Trainer(model, CFG["optim"], (1 - pos_rate) / pos_rate, device)
    trainer.fit(train_dl, val_dl)
    os.makedirs(args.out, exist_ok=True)
    torch.save(model.state_dict(), os.path.join(args.out, "fraud_mlp.pt"))


if __name__ == "__main__":
    main()
