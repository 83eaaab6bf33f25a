# expect: clean
# style: timm-like linear-probe script with build_* factories, image classification transfer learning
# note: the optimizer only receives the classifier's parameters, but freeze_backbone() sets requires_grad=False on every backbone parameter (and keeps it in eval mode), so nothing trainable is left out.
import argparse

import torch
import torch.nn as nn
import torch.nn.functional as F
from torch.utils.data import DataLoader, TensorDataset


class Backbone(nn.Module):
    def __init__(self, width=48):
        super().__init__()
        self.stages = nn.Sequential(
            nn.Conv2d(3, width, 3, 2, 1, bias=False), nn.BatchNorm2d(width), nn.SiLU(),
            nn.Conv2d(width, 2 * width, 3, 2, 1, bias=False), nn.BatchNorm2d(2 * width), nn.SiLU(),
            nn.Conv2d(2 * width, 4 * width, 3, 2, 1, bias=False), nn.BatchNorm2d(4 * width), nn.SiLU(),
        )
        self.out_dim = 4 * width

    def forward(self, x):
        return self.stages(x).mean((2, 3))


class LinearProbe(nn.Module):
    def __init__(self, num_classes):
        super().__init__()
        self.backbone = Backbone()
        self.classifier = nn.Linear(self.backbone.out_dim, num_classes)

    def forward(self, x):
        return self.classifier(self.backbone(x))

    def train(self, mode=True):
        super().train(mode)
        self.backbone.eval()  # frozen BN statistics
        return self


def freeze_backbone(model):
    for p in model.backbone.parameters():
        p.requires_grad = False


def build_optimizer(args, model):
    return torch.optim.SGD(model.classifier.parameters(), lr=args.lr, momentum=0.9)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--num-classes", type=int, default=102)
    ap.add_argument("--lr", type=float, default=0.1)
    ap.add_argument("--epochs", type=int, default=10)
    args = ap.parse_args()

    model = LinearProbe(args.num_classes)
    freeze_backbone(model)
    optimizer = build_optimizer(args, model)
    n_train = sum(p.numel() for p in model.parameters() if p.requires_grad)
    print("trainable params:", n_train)

    x = torch.randn(2000, 3, 64, 64)
    y = torch.randint(0, args.num_classes, (2000,))
    train_loader = DataLoader(TensorDataset(x[:1700], y[:1700]), batch_size=64, shuffle=True)
    val_loader = DataLoader(TensorDataset(x[1700:], y[1700:]), batch_size=300)
    scheduler = torch.optim.lr_scheduler.CosineAnnealingLR(optimizer, T_max=args.epochs)

    for epoch in range(args.epochs):
        model.train()
        for xb, yb in train_loader:
            loss = F.cross_entropy(model(xb), yb)
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
        scheduler.step()
        model.eval()
        with torch.no_grad():
            acc = sum((model(xb).argmax(1) == yb).sum().item() for xb, yb in val_loader) / 300
        print(f"epoch {epoch} loss {loss.item():.3f} val_acc {acc:.3f}")


if __name__ == "__main__":
    main()
