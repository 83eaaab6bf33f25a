# zoo: expect=validation-in-train-mode
# zoo: source=https://discuss.pytorch.org/t/model-eval-vs-with-torch-no-grad/19615
# zoo: onset=13
"""Fault: validation runs under torch.no_grad() but model.eval() is never called, so batch norm
normalises with validation batches and folds them into its running statistics, and dropout
stays on (validation-in-train-mode; the evaluation begins after the 12 iterations of epoch 1
and is seen at iteration 13). --fixed: model.eval() before validation, model.train() after."""

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


class SmallCNN(nn.Module):
    def __init__(self, classes: int = 4) -> None:
        super().__init__()
        self.features = nn.Sequential(
            nn.Conv2d(1, 8, 3, padding=1), nn.BatchNorm2d(8), nn.ReLU(), nn.MaxPool2d(2),
            nn.Conv2d(8, 16, 3, padding=1), nn.BatchNorm2d(16), nn.ReLU(), nn.AdaptiveAvgPool2d(1),
        )
        self.classifier = nn.Sequential(nn.Flatten(), nn.Dropout(0.1), nn.Linear(16, classes))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.classifier(self.features(x))


g = torch.Generator().manual_seed(0)
y = torch.randint(0, 4, (512,), generator=g)
x = 0.5 * torch.randn(512, 1, 8, 8, generator=g)
for c in range(4):  # each class lights up one quadrant
    r, q = divmod(c, 2)
    x[y == c, :, 4 * r : 4 * r + 4, 4 * q : 4 * q + 4] += 1.0
train_loader = DataLoader(TensorDataset(x[:384], y[:384]), batch_size=32, shuffle=True,
                          generator=torch.Generator().manual_seed(0))
val_loader = DataLoader(TensorDataset(x[384:], y[384:]), batch_size=32)

model = SmallCNN()
optimizer = torch.optim.SGD(model.parameters(), lr=0.05, momentum=0.9)
for epoch in range(3):
    model.train()
    for xb, yb in train_loader:
        optimizer.zero_grad()
        F.cross_entropy(model(xb), yb).backward()
        optimizer.step()
    if args.fixed:
        model.eval()
    correct = 0
    with torch.no_grad():  # stops gradients; does not switch batch norm or dropout
        for xb, yb in val_loader:
            correct += (model(xb).argmax(1) == yb).sum().item()
    print(f"epoch {epoch}: val acc {correct / 128:.3f}")
