# zoo: healthy
# zoo: args=--epochs 4
"""Healthy: a small CNN with batch norm and dropout classifying synthetic 16x16 images (class =
which of four oriented stripe patterns, plus noise and a random shift), SGD with Nesterov momentum
and weight decay, an epoch-level MultiStepLR, and validation accuracy every epoch."""

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


def make_images(n: int, g: torch.Generator) -> tuple[torch.Tensor, torch.Tensor]:
    yy, xx = torch.meshgrid(torch.arange(16.0), torch.arange(16.0), indexing="ij")
    labels = torch.randint(0, 4, (n,), generator=g)
    angle = labels.float() * torch.pi / 4
    phase = 2 * torch.pi * torch.rand(n, generator=g)
    wave = torch.cos(angle).view(-1, 1, 1) * xx + torch.sin(angle).view(-1, 1, 1) * yy
    images = torch.sin(0.8 * wave + phase.view(-1, 1, 1))
    images = images + 2.0 * torch.randn(n, 16, 16, generator=g)
    return images.unsqueeze(1), labels


g = torch.Generator().manual_seed(0)
x, y = make_images(1536, g)
train_loader = DataLoader(TensorDataset(x[:1280], y[:1280]), batch_size=32, shuffle=True,
                          generator=torch.Generator().manual_seed(0))
val_loader = DataLoader(TensorDataset(x[1280:], y[1280:]), batch_size=128)

model = nn.Sequential(
    nn.Conv2d(1, 16, 3, padding=1), nn.BatchNorm2d(16), nn.ReLU(), nn.MaxPool2d(2),
    nn.Conv2d(16, 32, 3, padding=1), nn.BatchNorm2d(32), nn.ReLU(), nn.MaxPool2d(2),
    nn.Conv2d(32, 32, 3, padding=1), nn.BatchNorm2d(32), nn.ReLU(), nn.AdaptiveAvgPool2d(1),
    nn.Flatten(), nn.Dropout(0.2), nn.Linear(32, 4),
)
optimizer = torch.optim.SGD(model.parameters(), lr=0.05, momentum=0.9, nesterov=True,
                            weight_decay=5e-4)
scheduler = torch.optim.lr_scheduler.MultiStepLR(optimizer, milestones=[2, 3], gamma=0.3)
for epoch in range(args.epochs):
    model.train()
    for xb, yb in train_loader:
        optimizer.zero_grad()
        loss = F.cross_entropy(model(xb), yb)
        loss.backward()
        optimizer.step()
    scheduler.step()
    model.eval()
    correct = 0
    with torch.no_grad():
        for xb, yb in val_loader:
            correct += (model(xb).argmax(1) == yb).sum().item()
    print(f"epoch {epoch + 1}: train loss {loss.item():.4f}, val acc {correct / 256:.3f}")
