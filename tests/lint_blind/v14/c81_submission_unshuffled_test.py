# expect: clean
# style: competition pipeline (text regression: readability score) with a shuffled validation loader and an ordered test loader
# note: a shuffle=True non-training loader exists, but it is the validation loader used only for an averaged RMSE; the test loader that feeds the submission keeps shuffle=False
import argparse
import csv
import logging

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F
from torch.utils.data import DataLoader, Dataset

log = logging.getLogger("readability")


class Excerpts(Dataset):
    def __init__(self, ids, tokens, targets=None):
        self.ids, self.tokens, self.targets = ids, tokens, targets

    def __len__(self):
        return len(self.ids)

    def __getitem__(self, i):
        if self.targets is None:
            return self.tokens[i]
        return self.tokens[i], self.targets[i]


class BagRegressor(nn.Module):
    def __init__(self, vocab, d=128):
        super().__init__()
        self.emb = nn.EmbeddingBag(vocab, d, mode="mean", padding_idx=0)
        self.mlp = nn.Sequential(nn.Linear(d, 64), nn.GELU(), nn.Linear(64, 1))

    def forward(self, tokens):
        return self.mlp(self.emb(tokens)).squeeze(-1)


def make_loaders(train_ds, val_ds, test_ds, bs):
    return {
        "train": DataLoader(train_ds, batch_size=bs, shuffle=True),
        "val": DataLoader(val_ds, batch_size=bs, shuffle=True),
        "test": DataLoader(test_ds, batch_size=bs, shuffle=False),
    }


@torch.no_grad()
def val_rmse(model, loader):
    model.eval()
    se, n = 0.0, 0
    for tok, y in loader:
        se += F.mse_loss(model(tok), y, reduction="sum").item()
        n += len(y)
    model.train()
    return (se / n) ** 0.5


@torch.no_grad()
def predict(model, loader):
    model.eval()
    return np.concatenate([model(tok).numpy() for tok in loader])


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--epochs", type=int, default=15)
    ap.add_argument("--bs", type=int, default=64)
    args = ap.parse_args()
    logging.basicConfig(level=logging.INFO)

    g = torch.Generator().manual_seed(0)
    vocab = 15000
    tok = torch.randint(1, vocab, (3400, 120), generator=g)
    target = -(tok[:, :20].float().mean(1) / vocab - 0.5) * 4 + 0.2 * torch.randn(3400, generator=g)
    ids = [f"ex_{i:05d}" for i in range(3400)]
    train_ds = Excerpts(ids[:2400], tok[:2400], target[:2400])
    val_ds = Excerpts(ids[2400:2800], tok[2400:2800], target[2400:2800])
    test_ds = Excerpts(ids[2800:], tok[2800:])
    loaders = make_loaders(train_ds, val_ds, test_ds, args.bs)

    model = BagRegressor(vocab)
    opt = torch.optim.AdamW(model.parameters(), lr=2e-3)
    for epoch in range(args.epochs):
        model.train()
        for t, y in loaders["train"]:
            loss = F.mse_loss(model(t), y)
            opt.zero_grad()
            loss.backward()
            opt.step()
        log.info("epoch %d val RMSE %.4f", epoch, val_rmse(model, loaders["val"]))

    preds = predict(model, loaders["test"])
    with open("submission.csv", "w", newline="") as f:
        w = csv.writer(f)
        w.writerow(["id", "target"])
        w.writerows(zip(test_ds.ids, preds.round(5)))
    log.info("wrote %d rows", len(preds))


if __name__ == "__main__":
    main()
