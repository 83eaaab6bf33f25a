# expect: TVL017
# style: time-series anomaly detection with an autoencoder, scoring via a loader factory and writing scores back into the DataFrame
# bug: build_loader(..., "score") is configured with shuffle=True, and score_windows() assigns the reconstruction errors to df rows in order, mislabelling which windows are anomalous
import logging

import numpy as np
import pandas as pd
import torch
import torch.nn as nn
from torch.utils.data import DataLoader, Dataset

log = logging.getLogger("anomaly")

LOADER_CFG = {
    "train": {"batch_size": 128, "shuffle": True, "drop_last": True},
    "score": {"batch_size": 512, "shuffle": True, "drop_last": False},
}


class Windows(Dataset):
    def __init__(self, values, window):
        self.v = torch.as_tensor(values, dtype=torch.float32)
        self.w = window

    def __len__(self):
        return len(self.v) - self.w + 1

    def __getitem__(self, i):
        return self.v[i:i + self.w]


def build_loader(ds, mode):
    return DataLoader(ds, **LOADER_CFG[mode])


class ConvAE(nn.Module):
    def __init__(self, n_ch, hidden=32):
        super().__init__()
        self.enc = nn.Sequential(nn.Conv1d(n_ch, hidden, 5, 2, 2), nn.ReLU(), nn.Conv1d(hidden, hidden, 5, 2, 2), nn.ReLU())
        self.dec = nn.Sequential(nn.ConvTranspose1d(hidden, hidden, 4, 2, 1), nn.ReLU(),
                                 nn.ConvTranspose1d(hidden, n_ch, 4, 2, 1))

    def forward(self, x):                     # x: (B, T, C)
        z = self.enc(x.transpose(1, 2))
        return self.dec(z).transpose(1, 2)


def train_ae(model, loader, epochs=20, lr=1e-3):
    opt = torch.optim.Adam(model.parameters(), lr=lr)
    for epoch in range(epochs):
        model.train()
        tot = 0.0
        for x in loader:
            loss = nn.functional.mse_loss(model(x), x)
            opt.zero_grad()
            loss.backward()
            opt.step()
            tot += loss.item()
        log.info("epoch %d recon %.5f", epoch, tot / len(loader))


@torch.no_grad()
def score_windows(model, df, cols, window):
    model.eval()
    ds = Windows(df[cols].values, window)
    errs = []
    for x in build_loader(ds, "score"):
        errs.append(((model(x) - x) ** 2).mean((1, 2)))
    errs = torch.cat(errs).numpy()
    df = df.copy()
    df["score"] = np.nan
    df.loc[df.index[window - 1:], "score"] = errs       # score of the window ending at this row
    return df


def main():
    logging.basicConfig(level=logging.INFO)
    rng = np.random.default_rng(3)
    n, cols, window = 30000, ["temp", "pressure", "vibration"], 64
    t = np.arange(n)
    df = pd.DataFrame({
        "timestamp": pd.date_range("2024-01-01", periods=n, freq="min"),
        "temp": np.sin(t / 300) + 0.05 * rng.normal(size=n),
        "pressure": np.cos(t / 500) + 0.05 * rng.normal(size=n),
        "vibration": 0.1 * rng.normal(size=n),
    })
    df.loc[25000:25100, "vibration"] += 2.0
    cut = 20000
    mu, sd = df.loc[:cut, cols].mean(), df.loc[:cut, cols].std()
    df[cols] = (df[cols] - mu) / sd

    model = ConvAE(len(cols))
    train_ae(model, build_loader(Windows(df.loc[:cut, cols].values, window), "train"))
    scored = score_windows(model, df, cols, window)
    thr = scored.loc[:cut, "score"].quantile(0.999)
    alerts = scored[scored["score"] > thr]
    log.info("threshold %.4f -> %d alert rows", thr, len(alerts))
    alerts[["timestamp", "score"]].to_csv("alerts.csv", index=False)


if __name__ == "__main__":
    main()
