# expect: clean
# style: Keras-to-PyTorch port (time-series LSTM forecaster) with numpy in/out like model.predict
# note: torch.tensor() wraps numpy *inputs* (not model outputs); .detach().numpy() only on predictions after training / for metrics
import argparse

import numpy as np
import torch
import torch.nn as nn
from torch.utils.data import DataLoader, TensorDataset


def make_windows(series, lookback):
    X = np.stack([series[i:i + lookback] for i in range(len(series) - lookback)])
    y = series[lookback:]
    return X[..., None].astype(np.float32), y.astype(np.float32)


class LSTMForecaster(nn.Module):
    def __init__(self, hidden=50):
        super().__init__()
        self.lstm = nn.LSTM(1, hidden, batch_first=True)
        self.dense = nn.Linear(hidden, 1)

    def forward(self, x):
        out, _ = self.lstm(x)
        return self.dense(out[:, -1]).squeeze(-1)

    def predict(self, X, batch_size=256):
        self.eval()
        with torch.no_grad():
            preds = [self(torch.tensor(X[i:i + batch_size])).detach().numpy() for i in range(0, len(X), batch_size)]
        return np.concatenate(preds)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--lookback", type=int, default=30)
    ap.add_argument("--epochs", type=int, default=20)
    args = ap.parse_args()
    t = np.arange(3000)
    series = np.sin(t / 20.0) + 0.1 * np.random.randn(3000)
    X, y = make_windows(series, args.lookback)
    split = int(0.8 * len(X))
    loader = DataLoader(TensorDataset(torch.tensor(X[:split]), torch.tensor(y[:split])), batch_size=32, shuffle=True)
    model = LSTMForecaster()
    optimizer = torch.optim.Adam(model.parameters(), lr=1e-3)
    loss_fn = nn.MSELoss()
    for epoch in range(args.epochs):
        model.train()
        batch_losses = []
        for xb, yb in loader:
            loss = loss_fn(model(xb), yb)
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
            batch_losses.append(loss.detach().numpy())
        val_pred = model.predict(X[split:])
        print(f"Epoch {epoch + 1}/{args.epochs} - loss: {np.mean(batch_losses):.5f} - val_mse: {np.mean((val_pred - y[split:]) ** 2):.5f}")


if __name__ == "__main__":
    main()
