# expect: TVL017
# style: tabular competition pipeline with a loaders dict built from a config and a predict() that zips with row ids
# bug: LOADERS["test"] is configured with shuffle=True (the same kwargs as "train"), and `write_predictions` zips the predictions with test_df["row_id"] in their original order
import argparse
import logging
import os

import numpy as np
import pandas as pd
import torch
import torch.nn as nn
import torch.nn.functional as F
from torch.utils.data import DataLoader, TensorDataset

log = logging.getLogger("tps")

COMMON = {"batch_size": 1024, "num_workers": 2, "shuffle": True}
LOADERS = {
    "train": dict(COMMON, drop_last=True),
    "valid": dict(COMMON, shuffle=False),
    "test": dict(COMMON),
}


def load_frames(seed=0):
    rng = np.random.default_rng(seed)
    n_tr, n_te, d = 60000, 15000, 25
    cols = [f"f_{i:02d}" for i in range(d)]
    tr = pd.DataFrame(rng.normal(size=(n_tr, d)), columns=cols)
    te = pd.DataFrame(rng.normal(size=(n_te, d)), columns=cols)
    tr["target"] = ((tr.f_00 * tr.f_01 + tr.f_02 - 0.5 * tr.f_07) > 0).astype(int)
    tr.insert(0, "row_id", np.arange(n_tr))
    te.insert(0, "row_id", np.arange(n_tr, n_tr + n_te))
    return tr, te, cols


def to_tensor_ds(df, cols, with_target=True):
    x = torch.tensor(df[cols].values, dtype=torch.float32)
    if with_target:
        return TensorDataset(x, torch.tensor(df["target"].values, dtype=torch.float32))
    return TensorDataset(x)


def build_loaders(train_df, valid_df, test_df, cols):
    return {
        "train": DataLoader(to_tensor_ds(train_df, cols), **LOADERS["train"]),
        "valid": DataLoader(to_tensor_ds(valid_df, cols), **LOADERS["valid"]),
        "test": DataLoader(to_tensor_ds(test_df, cols, with_target=False), **LOADERS["test"]),
    }


class ResMLP(nn.Module):
    def __init__(self, d_in, d=256, n_blocks=3, p=0.15):
        super().__init__()
        self.inp = nn.Linear(d_in, d)
        self.blocks = nn.ModuleList([nn.Sequential(nn.LayerNorm(d), nn.Linear(d, d), nn.SiLU(), nn.Dropout(p)) for _ in range(n_blocks)])
        self.out = nn.Linear(d, 1)

    def forward(self, x):
        h = self.inp(x)
        for b in self.blocks:
            h = h + b(h)
        return self.out(h).squeeze(-1)


@torch.no_grad()
def predict(model, loader, device):
    model.eval()
    out = [torch.sigmoid(model(batch[0].to(device))).cpu() for batch in loader]
    model.train()
    return torch.cat(out).numpy()


def write_predictions(path, row_ids, probs):
    sub = pd.DataFrame({"row_id": list(row_ids), "target": probs})
    sub.to_csv(path, index=False)
    return sub


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--epochs", type=int, default=15)
    ap.add_argument("--lr", type=float, default=2e-3)
    ap.add_argument("--out", default="tps_out")
    args = ap.parse_args()
    logging.basicConfig(level=logging.INFO)
    torch.manual_seed(42)
    device = torch.device("cuda" if torch.cuda.is_available() else "cpu")

    train_full, test_df, cols = load_frames()
    valid_df = train_full.sample(frac=0.15, random_state=0)
    train_df = train_full.drop(valid_df.index)
    mu, sd = train_df[cols].mean(), train_df[cols].std()
    for df in (train_df, valid_df, test_df):
        df.loc[:, cols] = (df[cols] - mu) / sd
    loaders = build_loaders(train_df, valid_df, test_df, cols)

    model = ResMLP(len(cols)).to(device)
    opt = torch.optim.AdamW(model.parameters(), lr=args.lr, weight_decay=1e-4)
    for epoch in range(args.epochs):
        model.train()
        tot = 0.0
        for x, y in loaders["train"]:
            x, y = x.to(device), y.to(device)
            loss = F.binary_cross_entropy_with_logits(model(x), y)
            opt.zero_grad()
            loss.backward()
            opt.step()
            tot += loss.item()
        p = predict(model, loaders["valid"], device)
        acc = float(((p > 0.5).astype(int) == valid_df["target"].values).mean())
        log.info("epoch %d loss %.4f valid acc %.4f", epoch, tot / len(loaders["train"]), acc)

    os.makedirs(args.out, exist_ok=True)
    probs = predict(model, loaders["test"], device)
    sub = write_predictions(os.path.join(args.out, "submission.csv"), test_df["row_id"], probs)
    log.info("wrote %d rows, mean target %.4f", len(sub), sub.target.mean())


if __name__ == "__main__":
    main()
