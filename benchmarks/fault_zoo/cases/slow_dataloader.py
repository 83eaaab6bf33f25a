# zoo: expect=input-bound
# zoo: source=a field report (dataloader_ms=3050 of collector_ms=3290)
"""Fault: a Dataset whose __getitem__ does slow per-item work (a sleep standing in for decoding)
with num_workers=0, while the training step is cheap: the loop waits on data most of the time
(input-bound). --fixed: a pre-built TensorDataset."""

import argparse
import time

import torch
import torch.nn.functional as F
from torch import nn
from torch.utils.data import DataLoader, Dataset, TensorDataset

torch.set_num_threads(1)
parser = argparse.ArgumentParser()
parser.add_argument("--fixed", action="store_true")
args = parser.parse_args()
torch.manual_seed(0)

g = torch.Generator().manual_seed(0)
x = torch.randn(240, 8, generator=g)
y = x[:, :1] * 2 - x[:, 1:2] ** 2 + 0.5 * torch.sin(3 * x[:, 2:3])


class SlowDataset(Dataset):
    def __len__(self) -> int:
        return len(x)

    def __getitem__(self, i: int) -> tuple[torch.Tensor, torch.Tensor]:
        time.sleep(0.003)  # e.g. decoding an image from disk, per item
        return x[i], y[i]


dataset = TensorDataset(x, y) if args.fixed else SlowDataset()
train_loader = DataLoader(dataset, batch_size=16, shuffle=True, num_workers=0,
                          generator=torch.Generator().manual_seed(0))
model = nn.Sequential(nn.Linear(8, 32), nn.ReLU(), nn.Linear(32, 1))
optimizer = torch.optim.Adam(model.parameters(), lr=1e-2)
for epoch in range(2):
    for xb, yb in train_loader:  # 15 batches per epoch
        optimizer.zero_grad()
        loss = F.mse_loss(model(xb), yb)
        loss.backward()
        optimizer.step()
    print(f"epoch {epoch}: loss {loss.item():.4f}")
