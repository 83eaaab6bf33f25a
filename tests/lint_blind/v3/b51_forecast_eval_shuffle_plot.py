# expect: TVL017
# style: LSTM time-series forecasting notebook-turned-script (evaluate() returns aligned arrays, metrics per timestamp)
# bug: the test DataLoader has shuffle=True, but evaluate() returns concatenated predictions that are compared index-by-index with test_targets (and indexed by timestamp)
import argparse
import numpy as np
import torch
import torch.nn as nn
from torch.utils.data import DataLoader, TensorDataset


class LSTMModel(nn.Module):
    def __init__(self, input_dim=1, hidden_dim=64, layer_dim=2, output_dim=1):
        super().__init__()
        self.lstm = nn.LSTM(input_dim, hidden_dim, layer_dim, batch_first=True, dropout=0.2)
        self.fc = nn.Linear(hidden_dim, output_dim)

    def forward(self, x):
        out, _ = self.lstm(x)
        return self.fc(out[:, -1, :])


def windows(series, lookback):
    X = np.stack([series[i:i + lookback] for i in range(len(series) - lookback)])[..., None]
    y = series[lookback:][:, None]
    return torch.tensor(X, dtype=torch.float32), torch.tensor(y, dtype=torch.float32)


def evaluate(model, loader):
    model.eval()
    preds = []
    with torch.no_grad():
        for xb, _ in loader:
            preds.append(model(xb).numpy())
    return np.concatenate(preds)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--lookback", type=int, default=48)
    ap.add_argument("--epochs", type=int, default=20)
    ap.add_argument("--batch_size", type=int, default=64)
    args = ap.parse_args()
    t = np.arange(4000)
    series = (np.sin(2 * np.pi * t / 24) + 0.2 * np.random.randn(len(t))).astype(np.float32)
    split = 3200
    X_tr, y_tr = windows(series[:split], args.lookback)
    X_te, y_te = windows(series[split:], args.lookback)
    train_loader = DataLoader(TensorDataset(X_tr, y_tr), batch_size=args.batch_size, shuffle=True)
    test_loader = DataLoader(TensorDataset(X_te, y_te), batch_size=args.batch_size, shuffle=True)
    model = LSTMModel()
    optimizer = torch.optim.Adam(model.parameters(), lr=1e-3)
    loss_fn = nn.MSELoss()
    for epoch in range(args.epochs):
        model.train()
        for xb, yb in train_loader:
            optimizer.zero_grad()
            loss = loss_fn(model(xb), yb)
            loss.backward()
            optimizer.step()
        test_preds = evaluate(model, test_loader)
        test_targets = y_te.numpy()
        rmse = float(np.sqrt(np.mean((test_preds - test_targets) ** 2)))
        worst_t = int(np.argmax(np.abs(test_preds - test_targets))) + split + args.lookback
        print(f"epoch {epoch}: test RMSE {rmse:.4f}, worst error at t={worst_t}")


if __name__ == "__main__":
    main()
