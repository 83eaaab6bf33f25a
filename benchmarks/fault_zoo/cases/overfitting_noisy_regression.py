# zoo: expect=overfitting
# zoo: source=common mistake (no early stopping on a small noisy set)
"""Fault: a wide MLP trained for 30 epochs on 96 noisy samples, without regularisation or early
stopping. After a few epochs it starts memorising the noise: the training loss keeps falling
while the validation loss climbs epoch after epoch (overfitting). --fixed: early stopping on the
validation loss (patience 2), keeping the best weights."""

import argparse
import copy

import torch
import torch.nn.functional as F
from torch import nn
from torch.utils.data import DataLoader, TensorDataset

torch.set_num_threads(1)
parser = argparse.ArgumentParser()
parser.add_argument("--fixed", action="store_true")
parser.add_argument("--epochs", type=int, default=30)
args = parser.parse_args()
torch.manual_seed(0)

g = torch.Generator().manual_seed(0)
x = torch.randn(608, 24, generator=g)
y = x[:, :1] - 0.5 * x[:, 1:2] + 0.8 * torch.randn(608, 1, generator=g)  # a weak signal in noise
train_loader = DataLoader(TensorDataset(x[:96], y[:96]), batch_size=16, shuffle=True,
                          generator=torch.Generator().manual_seed(0))
val_loader = DataLoader(TensorDataset(x[96:], y[96:]), batch_size=256)

model = nn.Sequential(nn.Linear(24, 256), nn.ReLU(), nn.Linear(256, 256), nn.ReLU(),
                      nn.Linear(256, 1))
optimizer = torch.optim.Adam(model.parameters(), lr=1e-3)
best, best_state, bad_epochs = float("inf"), None, 0
for epoch in range(args.epochs):
    model.train()
    for xb, yb in train_loader:
        optimizer.zero_grad()
        loss = F.mse_loss(model(xb), yb)
        loss.backward()
        optimizer.step()
    model.eval()
    with torch.no_grad():
        val = sum(F.mse_loss(model(xb), yb, reduction="sum").item() for xb, yb in val_loader) / 512
    print(f"epoch {epoch + 1}: train loss {loss.item():.4f}, val loss {val:.4f}")
    if val < best:
        best, best_state, bad_epochs = val, copy.deepcopy(model.state_dict()), 0
    else:
        bad_epochs += 1
    if args.fixed and bad_epochs >= 2:  # the fix: stop when validation stops improving
        model.load_state_dict(best_state)
        print(f"early stop at epoch {epoch + 1}; best val loss {best:.4f}")
        break
