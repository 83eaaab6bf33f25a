# expect: TVL017
# style: time-series forecasting project with a `DataModule`; predictions written back into the test dataframe rows
# bug: `DataModule.test_dataloader` uses shuffle=True (copied from train_dataloader), and `predict_to_frame` assigns the concatenated predictions to the test dataframe in its original row order
import numpy as np
import pandas as pd
import torch
import torch.nn as nn
import torch.nn.functional as F
from torch.utils.data import DataLoader, TensorDataset

LOOKBACK = 24


def make_frame(n=4000):
    ts = pd.date_range("2021-01-01", periods=n, freq="h")
    load = 100 + 20 * np.sin(np.arange(n) * 2 * np.pi / 24) + np.random.randn(n) * 3
    return pd.DataFrame({"timestamp": ts, "load": load})


def windows(series):
    xs = np.stack([series[i:i + LOOKBACK] for i in range(len(series) - LOOKBACK)])
    ys = series[LOOKBACK:]
    return torch.tensor(xs, dtype=torch.float32), torch.tensor(ys, dtype=torch.float32)


class DataModule:
    def __init__(self, df, batch_size=128):
        self.bs = batch_size
        cut = int(len(df) * 0.8)
        self.mu, self.sd = df.load[:cut].mean(), df.load[:cut].std()
        norm = ((df.load - self.mu) / self.sd).to_numpy()
        self.train = TensorDataset(*windows(norm[:cut]))
        self.test = TensorDataset(*windows(norm[cut:]))
        self.test_frame = df.iloc[cut + LOOKBACK:].reset_index(drop=True)

    def train_dataloader(self):
        return DataLoader(self.train, batch_size=self.bs, shuffle=True)

    def test_dataloader(self):
        return DataLoader(self.test, batch_size=self.bs, shuffle=True)


class MLPForecaster(nn.Module):
    def __init__(self):
        super().__init__()
        self.net = nn.Sequential(nn.Linear(LOOKBACK, 64), nn.ReLU(), nn.Linear(64, 64), nn.ReLU(), nn.Linear(64, 1))

    def forward(self, x):
        return self.net(x).squeeze(-1)


def fit(model, dm, epochs=10):
    opt = torch.optim.Adam(model.parameters(), lr=1e-3)
    for ep in range(epochs):
        model.train()
        tot = 0.0
        for x, y in dm.train_dataloader():
            loss = F.mse_loss(model(x), y)
            opt.zero_grad()
            loss.backward()
            opt.step()
            tot += loss.item()
        print(f"epoch {ep} train mse {tot:.4f}")


@torch.no_grad()
def predict_to_frame(model, dm):
    model.eval()
    preds = torch.cat([model(x) for x, _ in dm.test_dataloader()]).numpy()
    frame = dm.test_frame.copy()
    frame["forecast"] = preds * dm.sd + dm.mu
    frame["abs_err"] = (frame["forecast"] - frame["load"]).abs()
    return frame


if __name__ == "__main__":
    dm = DataModule(make_frame())
    model = MLPForecaster()
    fit(model, dm)
    out = predict_to_frame(model, dm)
    out.to_csv("forecast.csv", index=False)
    print(out.groupby(out.timestamp.dt.hour).abs_err.mean())
