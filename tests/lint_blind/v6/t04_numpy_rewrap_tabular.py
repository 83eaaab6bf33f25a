# expect: TVL002
# style: Kaggle kernel, tabular regression with a pandas-free numpy pipeline
# bug: predictions are pushed through .detach().cpu().numpy() and re-wrapped with torch.tensor(..., requires_grad=True), so the loss has no path back to the network.
import numpy as np
import torch
import torch.nn as nn
from torch.utils.data import DataLoader, TensorDataset

SEED = 42
np.random.seed(SEED)
torch.manual_seed(SEED)

# ---- synthetic "house prices" table --------------------------------------
n_rows, n_feats = 5000, 24
X = np.random.randn(n_rows, n_feats).astype(np.float32)
w_true = np.random.randn(n_feats).astype(np.float32)
y = (X @ w_true + 0.3 * np.random.randn(n_rows)).astype(np.float32)

mu, sigma = X.mean(0), X.std(0) + 1e-6
X = (X - mu) / sigma

split = int(0.8 * n_rows)
train_ds = TensorDataset(torch.from_numpy(X[:split]), torch.from_numpy(y[:split]))
valid_ds = TensorDataset(torch.from_numpy(X[split:]), torch.from_numpy(y[split:]))
train_loader = DataLoader(train_ds, batch_size=256, shuffle=True)
valid_loader = DataLoader(valid_ds, batch_size=1024, shuffle=False)

model = nn.Sequential(
    nn.Linear(n_feats, 128), nn.ReLU(), nn.BatchNorm1d(128),
    nn.Linear(128, 64), nn.ReLU(),
    nn.Linear(64, 1),
)
optimizer = torch.optim.Adam(model.parameters(), lr=1e-3, weight_decay=1e-5)
criterion = nn.HuberLoss(delta=1.0)


def rmse(a, b):
    return float(np.sqrt(np.mean((a - b) ** 2)))


EPOCHS = 20
for epoch in range(EPOCHS):
    model.train()
    epoch_loss = 0.0
    for xb, yb in train_loader:
        optimizer.zero_grad()
        out = model(xb).squeeze(1)
        # clip crazy predictions like the public notebook does
        out_np = np.clip(out.detach().cpu().numpy(), -50.0, 50.0)
        preds = torch.tensor(out_np, requires_grad=True)
        loss = criterion(preds, yb)
        loss.backward()
        optimizer.step()
        epoch_loss += loss.item() * len(xb)

    model.eval()
    all_pred, all_true = [], []
    with torch.no_grad():
        for xb, yb in valid_loader:
            all_pred.append(model(xb).squeeze(1).numpy())
            all_true.append(yb.numpy())
    val_rmse = rmse(np.concatenate(all_pred), np.concatenate(all_true))
    print(f"epoch {epoch:02d}  train_loss={epoch_loss / len(train_ds):.4f}  val_rmse={val_rmse:.4f}")

# quick feature-importance peek via first layer weights
first = model[0].weight.detach().abs().mean(0).numpy()
order = np.argsort(-first)[:5]
print("top features:", order.tolist())
