# expect: clean
# style: plain script, electricity-load forecasting with a 1-D CNN and sklearn-style numpy metrics
# note: .item(), .detach().cpu().numpy() and float() appear all over the loop, but only for logging and metrics after the loss has been built from the attached prediction; running totals are Python floats.
import numpy as np
import torch
import torch.nn as nn
from torch.utils.data import DataLoader, TensorDataset

LOOKBACK, HORIZON = 168, 24
rng = np.random.default_rng(4)
t = np.arange(24 * 400)
load = (10 + 3 * np.sin(2 * np.pi * t / 24) + np.sin(2 * np.pi * t / 168) + 0.3 * rng.normal(size=t.size)).astype(np.float32)
idx = np.arange(0, len(load) - LOOKBACK - HORIZON, 6)
X = np.stack([load[i:i + LOOKBACK] for i in idx])[:, None, :]
Y = np.stack([load[i + LOOKBACK:i + LOOKBACK + HORIZON] for i in idx])
split = int(0.8 * len(X))
mean, std = X[:split].mean(), X[:split].std()
X, Y = (X - mean) / std, (Y - mean) / std

train_loader = DataLoader(TensorDataset(torch.tensor(X[:split]), torch.tensor(Y[:split])), batch_size=64, shuffle=True)
test_loader = DataLoader(TensorDataset(torch.tensor(X[split:]), torch.tensor(Y[split:])), batch_size=256)

model = nn.Sequential(
    nn.Conv1d(1, 32, 7, padding=3), nn.ReLU(),
    nn.Conv1d(32, 32, 7, padding=3, dilation=1), nn.ReLU(),
    nn.AdaptiveAvgPool1d(24), nn.Flatten(),
    nn.Linear(32 * 24, 128), nn.ReLU(), nn.Linear(128, HORIZON),
)
optimizer = torch.optim.Adam(model.parameters(), lr=1e-3)
criterion = nn.MSELoss()


def mape(y_true, y_pred):
    y_true, y_pred = y_true * std + mean, y_pred * std + mean
    return float(np.mean(np.abs((y_true - y_pred) / y_true)) * 100)


history = []
for epoch in range(30):
    model.train()
    running, n = 0.0, 0
    preds_np, trues_np = [], []
    for xb, yb in train_loader:
        optimizer.zero_grad()
        pred = model(xb)
        loss = criterion(pred, yb)
        loss.backward()
        optimizer.step()
        running += loss.item() * xb.size(0)
        n += xb.size(0)
        preds_np.append(pred.detach().cpu().numpy())
        trues_np.append(yb.numpy())
    train_mape = mape(np.concatenate(trues_np), np.concatenate(preds_np))

    model.eval()
    with torch.no_grad():
        test_pred = torch.cat([model(xb) for xb, _ in test_loader]).numpy()
    test_mape = mape(Y[split:], test_pred)
    history.append((running / n, train_mape, test_mape))
    print(f"epoch {epoch:2d} mse {running / n:.4f} train MAPE {train_mape:.2f}% test MAPE {test_mape:.2f}%")

best = int(np.argmin([h[2] for h in history]))
print("best epoch", best, "test MAPE", round(history[best][2], 2))
