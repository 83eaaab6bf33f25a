# expect: clean
# style: torchvision-style model subclassing (quantization/feature-returning wrappers) in a fine-tuning script
# note: `super().forward(x)` inside an overridden forward is the normal way to extend a module, not a bare model.forward(x) call
import argparse

import torch
import torch.nn as nn
import torch.nn.functional as F
from torch.utils.data import DataLoader, TensorDataset


class BasicCNN(nn.Module):
    def __init__(self, num_classes=10):
        super().__init__()
        self.features = nn.Sequential(nn.Conv2d(3, 32, 3, padding=1), nn.BatchNorm2d(32), nn.ReLU(),
                                      nn.MaxPool2d(2), nn.Conv2d(32, 64, 3, padding=1), nn.ReLU())
        self.fc = nn.Linear(64, num_classes)

    def forward(self, x):
        return self.fc(self.features(x).mean((2, 3)))


class NormalizedCNN(BasicCNN):
    """Adds input normalization in front of the parent forward."""

    def __init__(self, mean, std, **kw):
        super().__init__(**kw)
        self.register_buffer("mean", torch.tensor(mean).view(1, 3, 1, 1))
        self.register_buffer("std", torch.tensor(std).view(1, 3, 1, 1))

    def forward(self, x):
        return super().forward((x - self.mean) / self.std)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--epochs", type=int, default=4)
    ap.add_argument("--lr", type=float, default=1e-3)
    args = ap.parse_args()
    model = NormalizedCNN([0.485, 0.456, 0.406], [0.229, 0.224, 0.225], num_classes=10)
    optimizer = torch.optim.Adam(model.parameters(), lr=args.lr)
    train_loader = DataLoader(TensorDataset(torch.rand(512, 3, 32, 32), torch.randint(0, 10, (512,))),
                              batch_size=64, shuffle=True)
    test_loader = DataLoader(TensorDataset(torch.rand(128, 3, 32, 32), torch.randint(0, 10, (128,))), batch_size=128)
    for epoch in range(args.epochs):
        model.train()
        for x, y in train_loader:
            loss = F.cross_entropy(model(x), y)
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
        model.eval()
        with torch.no_grad():
            acc = sum((model(x).argmax(1) == y).sum().item() for x, y in test_loader) / len(test_loader.dataset)
        print(f"epoch {epoch} loss {loss.item():.4f} test acc {acc:.3f}")


if __name__ == "__main__":
    main()
