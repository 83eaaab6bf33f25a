# expect: TVL003
# style: beginner tutorial / Kaggle notebook (regression on tabular data, flat script)
# bug: the training loop calls backward() and step() but never zero_grad(), gradients accumulate forever
import numpy as np
import torch
import torch.nn as nn
from torch.utils.data import DataLoader, TensorDataset

N_EPOCHS = 50
BATCH_SIZE = 128
LR = 3e-3

rng = np.random.default_rng(0)
X = rng.normal(size=(4000, 12)).astype(np.float32)
w_true = rng.normal(size=(12, 1)).astype(np.float32)
y = (X @ w_true + 0.1 * rng.normal(size=(4000, 1))).astype(np.float32)

X_train, X_val = torch.from_numpy(X[:3200]), torch.from_numpy(X[3200:])
y_train, y_val = torch.from_numpy(y[:3200]), torch.from_numpy(y[3200:])

train_loader = DataLoader(TensorDataset(X_train, y_train), batch_size=BATCH_SIZE, shuffle=True)


class HousePriceNet(nn.Module):
    def __init__(self, n_in):
        super().__init__()
        self.layers = nn.Sequential(
            nn.Linear(n_in, 64),
            nn.ReLU(),
            nn.Linear(64, 32),
            nn.ReLU(),
            nn.Linear(32, 1),
        )

    def forward(self, x):
        return self.layers(x)


model = HousePriceNet(X_train.shape[1])
criterion = nn.MSELoss()
optimizer = torch.optim.Adam(model.parameters(), lr=LR)

history = {"train": [], "val": []}
for epoch in range(N_EPOCHS):
    model.train()
    epoch_loss = 0.0
    for xb, yb in train_loader:
        pred = model(xb)
        loss = criterion(pred, yb)
        loss.backward()
        optimizer.step()
        epoch_loss += loss.item() * xb.size(0)
    epoch_loss /= len(train_loader.dataset)

    model.eval()
    with torch.no_grad():
        val_loss = criterion(model(X_val), y_val).item()
    history["train"].append(epoch_loss)
    history["val"].append(val_loss)
    if epoch % 10 == 0:
        print(f"Epoch {epoch:3d} | train MSE {epoch_loss:.4f} | val MSE {val_loss:.4f}")

print("final val MSE", history["val"][-1])
