# expect: clean
# style: beginner-friendly regression notebook computing R^2/MAE with numpy and sklearn each batch
# note: .detach().cpu().numpy() and .item() appear in the training loop, which looks like TVL002, but they are only used for metrics; the loss that is backpropagated is the torch tensor computed from the model output.
import numpy as np
import torch
import torch.nn as nn
from sklearn.metrics import mean_absolute_error, r2_score
from torch.utils.data import DataLoader, TensorDataset

np.random.seed(5)
torch.manual_seed(5)

# concrete-strength-like data: 8 ingredients -> compressive strength
n = 4000
X = np.random.uniform(0, 1, size=(n, 8)).astype(np.float32)
y = (40 * X[:, 0] - 15 * X[:, 3] + 10 * X[:, 5] * X[:, 6] + np.random.normal(0, 2, n)).astype(np.float32)
y_mean, y_std = y.mean(), y.std()
y_n = (y - y_mean) / y_std

X_tr, X_va = torch.tensor(X[:3200]), torch.tensor(X[3200:])
y_tr, y_va = torch.tensor(y_n[:3200]).unsqueeze(1), torch.tensor(y_n[3200:]).unsqueeze(1)
train_loader = DataLoader(TensorDataset(X_tr, y_tr), batch_size=64, shuffle=True)

model = nn.Sequential(nn.Linear(8, 64), nn.ReLU(), nn.Linear(64, 64), nn.ReLU(), nn.Linear(64, 1))
criterion = nn.MSELoss()
optimizer = torch.optim.Adam(model.parameters(), lr=1e-3)

history = {"loss": [], "train_r2": [], "val_r2": [], "val_mae": []}
for epoch in range(60):
    model.train()
    batch_losses, preds_np, targets_np = [], [], []
    for xb, yb in train_loader:
        out = model(xb)
        loss = criterion(out, yb)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()

        batch_losses.append(loss.item())
        preds_np.append(out.detach().cpu().numpy())
        targets_np.append(yb.numpy())

    train_r2 = r2_score(np.concatenate(targets_np), np.concatenate(preds_np))
    model.eval()
    with torch.no_grad():
        va_pred = model(X_va).numpy() * y_std + y_mean
    va_true = y_va.numpy() * y_std + y_mean
    history["loss"].append(float(np.mean(batch_losses)))
    history["train_r2"].append(train_r2)
    history["val_r2"].append(r2_score(va_true, va_pred))
    history["val_mae"].append(mean_absolute_error(va_true, va_pred))
    if epoch % 10 == 0:
        print(f"epoch {epoch:02d} loss {history['loss'][-1]:.4f} train R2 {train_r2:.3f} "
              f"val R2 {history['val_r2'][-1]:.3f} val MAE {history['val_mae'][-1]:.2f} MPa")

torch.save(model.state_dict(), "concrete_mlp.pt")
print("final", {k: round(v[-1], 4) for k, v in history.items()})

# residual analysis on the validation split (per-ingredient correlation with the error)
model.eval()
with torch.no_grad():
    residual = (model(X_va).numpy() * y_std + y_mean - va_true).ravel()
for j in range(X_va.shape[1]):
    corr = np.corrcoef(X_va[:, j].numpy(), residual)[0, 1]
    flag = "  <-- check" if abs(corr) > 0.2 else ""
    print(f"ingredient {j}: corr(x, residual) = {corr:+.3f}{flag}")
print("residual mean %.3f std %.3f" % (residual.mean(), residual.std()))
