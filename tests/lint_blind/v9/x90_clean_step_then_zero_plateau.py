# expect: clean
# style: beginner-to-intermediate script, wind-power forecasting (time series, MLP on lag features) with ReduceLROnPlateau
# note: zero_grad() comes after optimizer.step() at the end of the iteration (not between backward and step), and ReduceLROnPlateau is stepped once per epoch with the validation loss.
import os
import random
import numpy as np
import torch
import torch.nn as nn
from torch.utils.data import DataLoader, TensorDataset


def seed_everything(seed: int = 42) -> None:
    """Best-effort reproducibility (cudnn autotuning left on for speed)."""
    random.seed(seed)
    os.environ["PYTHONHASHSEED"] = str(seed)
    torch.manual_seed(seed)
    if torch.cuda.is_available():
        torch.cuda.manual_seed_all(seed)


seed_everything(int(os.environ.get("SEED", 42)))

LAGS = 24
HORIZON = 1
rng = np.random.default_rng(5)
t = np.arange(20000)
power = np.clip(np.sin(t / 50) + 0.3 * np.sin(t / 7) + 0.2 * rng.normal(size=len(t)), -1, None) + 1


def make_xy(series, lags=LAGS):
    X = np.lib.stride_tricks.sliding_window_view(series[:-HORIZON], lags)
    y = series[lags + HORIZON - 1:]
    return X.astype(np.float32), y.astype(np.float32)


X, y = make_xy(power)
split = int(0.85 * len(X))
train_loader = DataLoader(TensorDataset(torch.from_numpy(X[:split]), torch.from_numpy(y[:split])), batch_size=256, shuffle=True)
val_loader = DataLoader(TensorDataset(torch.from_numpy(X[split:]), torch.from_numpy(y[split:])), batch_size=1024)



def persistence_baseline(X_val, y_val):
    """Naive forecast: next value equals the last observed value."""
    return float(np.mean(np.abs(X_val[:, -1] - y_val)))


def mae(model, loader):
    model.eval()
    errs = []
    with torch.no_grad():
        for xb, yb in loader:
            errs.append((model(xb) - yb).abs())
    return torch.cat(errs).mean().item()


print(f"persistence MAE on validation: {persistence_baseline(X[split:], y[split:]):.4f}")

model = nn.Sequential(nn.Linear(LAGS, 128), nn.ReLU(), nn.Linear(128, 64), nn.ReLU(), nn.Linear(64, 1), nn.Flatten(0))
criterion = nn.HuberLoss(delta=0.5)
optimizer = torch.optim.Adam(model.parameters(), lr=3e-3)
scheduler = torch.optim.lr_scheduler.ReduceLROnPlateau(optimizer, mode="min", factor=0.3, patience=2)

best, bad_epochs = float("inf"), 0
for epoch in range(60):
    model.train()
    train_losses = []
    for xb, yb in train_loader:
        pred = model(xb)
        loss = criterion(pred, yb)
        loss.backward()
        optimizer.step()
        optimizer.zero_grad()
        train_losses.append(loss.item())

    model.eval()
    with torch.no_grad():
        val_loss = np.mean([criterion(model(xb), yb).item() for xb, yb in val_loader])
    scheduler.step(val_loss)
    print(f"epoch {epoch:02d} train {np.mean(train_losses):.4f} val {val_loss:.4f} lr {optimizer.param_groups[0]['lr']:.1e}")
    if val_loss < best - 1e-4:
        best, bad_epochs = val_loss, 0
        torch.save(model.state_dict(), "wind_mlp.pt")
    else:
        bad_epochs += 1
        if bad_epochs >= 8:
            print("early stop")
            break

model.load_state_dict(torch.load("wind_mlp.pt", weights_only=True))
print(f"best model validation MAE {mae(model, val_loader):.4f}")
