# zoo: expect=overfitting
# zoo: source=common mistake (no early stopping on a small noisy set)
"""Fault: a wide MLP classifier trained for 25 epochs on 128 samples of which a fifth carry a
wrong label, without regularisation or early stopping. Once it has learnt the real pattern it
memorises the wrong labels and grows ever more confident: the training loss keeps falling while
the validation cross-entropy rises epoch after epoch (overfitting). --fixed: early stopping on
the validation loss (patience 2), keeping the best weights."""

import argparse
import copy

import torch
import torch.nn.functional as F
from torch import nn
from torch.utils.data import DataLoader, TensorDataset

torch.set_num_threads(1)
parser = argparse.ArgumentParser()
parser.add_argument("--fixed", action="store_true")
parser.add_argument("--epochs", type=int, default=25)
args = parser.parse_args()
torch.manual_seed(0)

g = torch.Generator().manual_seed(0)
centers = torch.randn(4, 32, generator=g)
y = torch.randint(0, 4, (640,), generator=g)
x = centers[y] + 1.5 * torch.randn(640, 32, generator=g)
noisy = torch.rand(640, generator=g) < 0.2
y = torch.where(noisy, torch.randint(0, 4, (640,), generator=g), y)  # 20% label noise
train_loader = DataLoader(TensorDataset(x[:128], y[:128]), batch_size=16, shuffle=True,
                          generator=torch.Generator().manual_seed(0))
val_loader = DataLoader(TensorDataset(x[128:], y[128:]), batch_size=256)

model = nn.Sequential(nn.Linear(32, 256), nn.ReLU(), nn.Linear(256, 256), nn.ReLU(),
                      nn.Linear(256, 4))
optimizer = torch.optim.Adam(model.parameters(), lr=1e-3)
best, best_state, bad_epochs = float("inf"), None, 0
for epoch in range(args.epochs):
    model.train()
    for xb, yb in train_loader:
        optimizer.zero_grad()
        loss = F.cross_entropy(model(xb), yb)
        loss.backward()
        optimizer.step()
    model.eval()
    val, correct = 0.0, 0
    with torch.no_grad():
        for xb, yb in val_loader:
            logits = model(xb)
            val += F.cross_entropy(logits, yb, reduction="sum").item()
            correct += (logits.argmax(1) == yb).sum().item()
    val /= 512
    print(f"epoch {epoch + 1}: train loss {loss.item():.4f}, val loss {val:.4f}, "
          f"val acc {correct / 512:.3f}")
    if val < best:
        best, best_state, bad_epochs = val, copy.deepcopy(model.state_dict()), 0
    else:
        bad_epochs += 1
    if args.fixed and bad_epochs >= 2:  # the fix: stop when validation stops improving
        model.load_state_dict(best_state)
        print(f"early stop at epoch {epoch + 1}; best val loss {best:.4f}")
        break
