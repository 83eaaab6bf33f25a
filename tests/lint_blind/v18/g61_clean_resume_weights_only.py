# expect: clean
# style: research script with --resume/--init flags, tabular autoencoder for anomaly detection
# note: torch.load() is called on paths taken from argparse, which looks like TVL014, but every call passes weights_only=True (checkpoint holds only tensors and plain containers).
import argparse
import logging
import os

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F
from torch.utils.data import DataLoader, TensorDataset

logger = logging.getLogger("ae")


def get_args():
    p = argparse.ArgumentParser()
    p.add_argument("--resume", default="", help="checkpoint to resume from")
    p.add_argument("--init", default="", help="state_dict to initialise the encoder")
    p.add_argument("--epochs", type=int, default=25)
    p.add_argument("--lr", type=float, default=1e-3)
    p.add_argument("--out", default="ae_ckpt")
    return p.parse_args()


class AE(nn.Module):
    def __init__(self, d=30, z=6):
        super().__init__()
        self.encoder = nn.Sequential(nn.Linear(d, 64), nn.ReLU(), nn.Linear(64, 32), nn.ReLU(), nn.Linear(32, z))
        self.decoder = nn.Sequential(nn.Linear(z, 32), nn.ReLU(), nn.Linear(32, 64), nn.ReLU(), nn.Linear(64, d))

    def forward(self, x):
        return self.decoder(self.encoder(x))


def sensor_data(n, d=30, anomalies=0.0, seed=0):
    rng = np.random.default_rng(seed)
    base = rng.normal(size=(n, 6)) @ rng.normal(size=(6, d))
    x = base + 0.1 * rng.normal(size=(n, d))
    k = int(anomalies * n)
    labels = np.zeros(n, dtype=np.int64)
    if k:
        idx = rng.choice(n, k, replace=False)
        x[idx] += rng.normal(0, 3, size=(k, d))
        labels[idx] = 1
    return torch.tensor(x, dtype=torch.float32), torch.tensor(labels)


def main():
    args = get_args()
    logging.basicConfig(level=logging.INFO)
    os.makedirs(args.out, exist_ok=True)

    x_tr, _ = sensor_data(20000, seed=0)
    x_te, y_te = sensor_data(4000, anomalies=0.05, seed=1)
    train_dl = DataLoader(TensorDataset(x_tr), batch_size=256, shuffle=True)
    model = AE()
    opt = torch.optim.Adam(model.parameters(), lr=args.lr)
    start = 0

    if args.init:
        enc_state = torch.load(args.init, map_location="cpu", weights_only=True)
        model.encoder.load_state_dict(enc_state)
        logger.info("encoder initialised from %s", args.init)
    if args.resume and os.path.isfile(args.resume):
        ckpt = torch.load(args.resume, map_location="cpu", weights_only=True)
        model.load_state_dict(ckpt["model"])
        opt.load_state_dict(ckpt["optim"])
        start = int(ckpt["epoch"]) + 1
        logger.info("resumed from %s at epoch %d", args.resume, start)

    for epoch in range(start, args.epochs):
        model.train()
        tot = 0.0
        for (xb,) in train_dl:
            loss = F.mse_loss(model(xb), xb)
            opt.zero_grad()
            loss.backward()
            opt.step()
            tot += loss.item()
        model.eval()
        with torch.no_grad():
            err = ((model(x_te) - x_te) ** 2).mean(1)
        thr = torch.quantile(err, 0.95)
        flagged = err > thr
        precision = (flagged & (y_te == 1)).sum().item() / max(flagged.sum().item(), 1)
        logger.info("epoch %d loss %.5f precision@5%% %.3f", epoch, tot / len(train_dl), precision)
        torch.save({"model": model.state_dict(), "optim": opt.state_dict(), "epoch": epoch},
                   os.path.join(args.out, "last.pt"))


if __name__ == "__main__":
    main()
