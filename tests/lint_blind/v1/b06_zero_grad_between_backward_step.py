# expect: TVL003
# style: Kaggle notebook (image classification with timm backbone-like CNN)
# bug: optimizer.zero_grad() placed between loss.backward() and optimizer.step(), so every step uses zero gradients
import os
import random

import numpy as np
import torch
import torch.nn as nn
from torch.utils.data import DataLoader, Dataset


def seed_everything(seed=2024):
    random.seed(seed)
    os.environ["PYTHONHASHSEED"] = str(seed)
    np.random.seed(seed)
    torch.manual_seed(seed)


class LeafDataset(Dataset):
    def __init__(self, n=800):
        self.images = torch.randn(n, 3, 64, 64)
        self.labels = torch.randint(0, 5, (n,))

    def __len__(self):
        return len(self.labels)

    def __getitem__(self, i):
        return self.images[i], self.labels[i]


class LeafModel(nn.Module):
    def __init__(self, n_class=5):
        super().__init__()
        self.backbone = nn.Sequential(nn.Conv2d(3, 16, 3, 2, 1), nn.ReLU(), nn.Conv2d(16, 32, 3, 2, 1),
                                      nn.ReLU(), nn.AdaptiveAvgPool2d(1), nn.Flatten())
        self.head = nn.Linear(32, n_class)

    def forward(self, x):
        return self.head(self.backbone(x))


def train_one_epoch(epoch, model, loss_fn, optimizer, loader, device):
    model.train()
    running_loss = None
    for step, (imgs, labels) in enumerate(loader):
        imgs, labels = imgs.to(device).float(), labels.to(device).long()
        preds = model(imgs)
        loss = loss_fn(preds, labels)
        loss.backward()
        optimizer.zero_grad()
        optimizer.step()
        running_loss = loss.item() if running_loss is None else running_loss * 0.99 + loss.item() * 0.01
        if (step + 1) % 10 == 0:
            print(f"epoch {epoch} step {step + 1} loss: {running_loss:.4f}")


if __name__ == "__main__":
    seed_everything()
    device = torch.device("cuda" if torch.cuda.is_available() else "cpu")
    model = LeafModel().to(device)
    optimizer = torch.optim.Adam(model.parameters(), lr=1e-4, weight_decay=1e-6)
    loss_fn = nn.CrossEntropyLoss().to(device)
    train_loader = DataLoader(LeafDataset(), batch_size=32, shuffle=True, num_workers=0)
    for epoch in range(10):
        train_one_epoch(epoch, model, loss_fn, optimizer, train_loader, device)
        torch.save(model.state_dict(), f"leaf_fold0_{epoch}.pth")
