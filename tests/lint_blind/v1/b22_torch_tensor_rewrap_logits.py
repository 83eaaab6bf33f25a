# expect: TVL002
# style: Kaggle notebook (multi-class image classifier with a custom "fixed" loss cell)
# bug: logits are re-wrapped with torch.tensor(logits, requires_grad=True), creating a new leaf cut off from the model
import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F
from torch.utils.data import DataLoader, TensorDataset

EPOCHS, BS, LR, N_CLASSES = 6, 64, 3e-4, 6


class SceneNet(nn.Module):
    def __init__(self):
        super().__init__()
        self.features = nn.Sequential(
            nn.Conv2d(3, 32, 3, padding=1), nn.BatchNorm2d(32), nn.ReLU(), nn.MaxPool2d(2),
            nn.Conv2d(32, 64, 3, padding=1), nn.BatchNorm2d(64), nn.ReLU(), nn.MaxPool2d(2),
            nn.Conv2d(64, 128, 3, padding=1), nn.BatchNorm2d(128), nn.ReLU(), nn.AdaptiveAvgPool2d(1),
        )
        self.fc = nn.Linear(128, N_CLASSES)

    def forward(self, x):
        return self.fc(self.features(x).flatten(1))


def focal_loss(logits, targets, gamma=2.0):
    ce = F.cross_entropy(logits, targets, reduction="none")
    pt = torch.exp(-ce)
    return ((1 - pt) ** gamma * ce).mean()


images = torch.randn(1200, 3, 64, 64)
labels = torch.randint(0, N_CLASSES, (1200,))
train_loader = DataLoader(TensorDataset(images[:1000], labels[:1000]), batch_size=BS, shuffle=True)
val_loader = DataLoader(TensorDataset(images[1000:], labels[1000:]), batch_size=BS)

model = SceneNet()
optimizer = torch.optim.Adam(model.parameters(), lr=LR)

for epoch in range(EPOCHS):
    model.train()
    train_losses = []
    for x, y in train_loader:
        optimizer.zero_grad()
        logits = model(x)
        logits = torch.tensor(logits, requires_grad=True)
        loss = focal_loss(logits, y)
        loss.backward()
        optimizer.step()
        train_losses.append(loss.item())

    model.eval()
    preds, gts = [], []
    with torch.no_grad():
        for x, y in val_loader:
            preds.append(model(x).argmax(1).numpy())
            gts.append(y.numpy())
    acc = (np.concatenate(preds) == np.concatenate(gts)).mean()
    print(f"Epoch {epoch + 1}/{EPOCHS} - loss {np.mean(train_losses):.4f} - val_acc {acc:.4f}")
