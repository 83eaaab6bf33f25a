# expect: TVL006
# style: timm-style transfer-learning script with a build_optimizer() factory
# bug: build_optimizer() only optimizes model.classifier, but the backbone is never frozen (it still gets gradients, BN stats drift, nothing updates it)
import argparse

import torch
import torch.nn as nn
import torch.nn.functional as F
from torch.utils.data import DataLoader, TensorDataset


class EfficientNetLite(nn.Module):
    def __init__(self, num_classes=1000):
        super().__init__()
        self.features = nn.Sequential(
            nn.Conv2d(3, 32, 3, 2, 1, bias=False), nn.BatchNorm2d(32), nn.ReLU6(),
            nn.Conv2d(32, 32, 3, 1, 1, groups=32, bias=False), nn.BatchNorm2d(32), nn.ReLU6(),
            nn.Conv2d(32, 96, 1, bias=False), nn.BatchNorm2d(96), nn.ReLU6())
        self.global_pool = nn.AdaptiveAvgPool2d(1)
        self.classifier = nn.Linear(96, num_classes)

    def reset_classifier(self, num_classes):
        self.classifier = nn.Linear(self.classifier.in_features, num_classes)

    def forward(self, x):
        return self.classifier(self.global_pool(self.features(x)).flatten(1))


def build_optimizer(model, cfg):
    # linear-probe setting from the paper: only the new head is trained
    return torch.optim.SGD(model.classifier.parameters(), lr=cfg.lr, momentum=0.9, weight_decay=cfg.wd)


def train_one_epoch(model, loader, optimizer, epoch):
    model.train()
    for batch_idx, (x, y) in enumerate(loader):
        loss = F.cross_entropy(model(x), y)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        if batch_idx % 10 == 0:
            print(f"Train: {epoch} [{batch_idx}/{len(loader)}] Loss: {loss.item():.4f}")


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--num-classes", type=int, default=37)
    parser.add_argument("--lr", type=float, default=0.05)
    parser.add_argument("--wd", type=float, default=0.0)
    parser.add_argument("--epochs", type=int, default=5)
    cfg = parser.parse_args()
    model = EfficientNetLite()
    model.reset_classifier(cfg.num_classes)
    optimizer = build_optimizer(model, cfg)
    ds = TensorDataset(torch.randn(256, 3, 96, 96), torch.randint(0, cfg.num_classes, (256,)))
    loader = DataLoader(ds, batch_size=32, shuffle=True)
    for epoch in range(cfg.epochs):
        train_one_epoch(model, loader, optimizer, epoch)


if __name__ == "__main__":
    main()
