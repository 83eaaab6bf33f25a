# zoo: expect=plateau-mode-mismatch
# zoo: source=https://github.com/md-mohaiminul/ViS4mer/issues/4 (ReduceLROnPlateau left at its default mode='min' and stepped with validation accuracy; the author: "not intended", use 'max')
"""Fault: ReduceLROnPlateau(optimizer, factor=0.5, patience=1) keeps its default mode='min' but
is stepped with the validation accuracy. Every epoch on which accuracy went up counts as "no
improvement", so the learning rate is halved every second epoch while the model is still
getting better, and training crawls long before it has converged (plateau-mode-mismatch).
--fixed: mode='max'."""

import argparse

import torch
import torch.nn.functional as F
from torch import nn
from torch.utils.data import DataLoader, TensorDataset

torch.set_num_threads(1)
parser = argparse.ArgumentParser()
parser.add_argument("--fixed", action="store_true")
args = parser.parse_args()
torch.manual_seed(0)

# Four overlapping Gaussian classes in 16 dimensions: accuracy climbs over several epochs.
g = torch.Generator().manual_seed(0)
centers = torch.randn(4, 16, generator=g)
y = torch.randint(0, 4, (1536,), generator=g)
x = centers[y] + 1.5 * torch.randn(1536, 16, generator=g)
train_loader = DataLoader(TensorDataset(x[:1024], y[:1024]), batch_size=64, shuffle=True,
                          generator=torch.Generator().manual_seed(0))
val_loader = DataLoader(TensorDataset(x[1024:], y[1024:]), batch_size=256)

model = nn.Sequential(nn.Linear(16, 64), nn.ReLU(), nn.Linear(64, 4))
optimizer = torch.optim.SGD(model.parameters(), lr=0.02)
if args.fixed:
    scheduler = torch.optim.lr_scheduler.ReduceLROnPlateau(optimizer, mode="max", factor=0.5, patience=1)
else:
    scheduler = torch.optim.lr_scheduler.ReduceLROnPlateau(optimizer, factor=0.5, patience=1)  # the bug
for epoch in range(10):
    model.train()
    for xb, yb in train_loader:
        optimizer.zero_grad()
        loss = F.cross_entropy(model(xb), yb)
        loss.backward()
        optimizer.step()
    model.eval()
    correct, val_loss = 0, 0.0
    with torch.no_grad():
        for xb, yb in val_loader:
            logits = model(xb)
            val_loss += F.cross_entropy(logits, yb).item() * len(yb)
            correct += (logits.argmax(1) == yb).sum().item()
    val_acc = correct / 512
    scheduler.step(val_acc)
    print(f"epoch {epoch + 1}: val loss {val_loss / 512:.4f}, val acc {val_acc:.3f}, "
          f"lr {optimizer.param_groups[0]['lr']:.2e}")
