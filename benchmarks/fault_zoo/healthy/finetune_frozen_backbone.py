# zoo: healthy
# zoo: args=--epochs 4
"""Healthy: transfer learning the usual way. A backbone is first pre-trained on a source task,
then frozen with requires_grad_(False) and kept in eval() mode (its batch norm statistics
fixed), a new head is attached and trained alone; for the last epoch the top backbone block is
unfrozen and added to the optimizer as a second param group with a smaller lr."""

import argparse

import torch
import torch.nn.functional as F
from torch import nn
from torch.utils.data import DataLoader, TensorDataset

torch.set_num_threads(1)
parser = argparse.ArgumentParser()
parser.add_argument("--epochs", type=int, default=4)
args = parser.parse_args()
torch.manual_seed(0)

g = torch.Generator().manual_seed(0)
mixing = torch.randn(24, 24, generator=g)
x_all = torch.randn(3072, 24, generator=g) @ mixing / 5
source_y = (x_all[:, :6].sum(1) > 0).long()  # the pre-training task
target_y = (x_all[:, 3:9] ** 2).sum(1, keepdim=True).log()  # the new task: a regression
target_y = (target_y - target_y.mean()) / target_y.std()

backbone = nn.Sequential(
    nn.Sequential(nn.Linear(24, 64), nn.BatchNorm1d(64), nn.ReLU()),
    nn.Sequential(nn.Linear(64, 64), nn.BatchNorm1d(64), nn.ReLU()),
)
source_head = nn.Linear(64, 2)
pre_opt = torch.optim.Adam([*backbone.parameters(), *source_head.parameters()], lr=2e-3)
for _ in range(100):  # pre-training on the source task
    i = torch.randint(0, 2048, (64,), generator=g)
    pre_opt.zero_grad()
    F.cross_entropy(source_head(backbone(x_all[i])), source_y[i]).backward()
    pre_opt.step()

backbone.requires_grad_(False)
head = nn.Sequential(nn.Linear(64, 64), nn.ReLU(), nn.Linear(64, 1))
optimizer = torch.optim.Adam(head.parameters(), lr=2e-3)
train_loader = DataLoader(TensorDataset(x_all[:2560], target_y[:2560]), batch_size=64, shuffle=True,
                          generator=torch.Generator().manual_seed(0))
val_loader = DataLoader(TensorDataset(x_all[2560:], target_y[2560:]), batch_size=256)
for epoch in range(args.epochs):
    if epoch == args.epochs - 1:  # unfreeze the top block for the last epoch
        backbone[1].requires_grad_(True)
        optimizer.add_param_group({"params": backbone[1].parameters(), "lr": 2e-4})
    backbone.eval()  # frozen statistics
    head.train()
    for xb, yb in train_loader:
        optimizer.zero_grad()
        loss = F.mse_loss(head(backbone(xb)), yb)
        loss.backward()
        optimizer.step()
    head.eval()
    with torch.no_grad():
        val = sum(F.mse_loss(head(backbone(xb)), yb, reduction="sum").item()
                  for xb, yb in val_loader) / 512
    print(f"epoch {epoch + 1}: train loss {loss.item():.4f}, val loss {val:.4f}")
