# expect: TVL006
# style: timm/torchvision transfer-learning notebook ("train only the classifier")
# bug: the optimizer is built over model.fc only but the backbone is never frozen, so backbone weights get gradients (and BN stats) that nothing applies — the intent "train the head" is only half done
import argparse

import torch
import torch.nn as nn
import torch.nn.functional as F
from torch.utils.data import DataLoader, TensorDataset


class ResNetish(nn.Module):
    def __init__(self, n_classes=1000):
        super().__init__()
        self.stem = nn.Sequential(nn.Conv2d(3, 64, 7, 2, 3), nn.BatchNorm2d(64), nn.ReLU(), nn.MaxPool2d(3, 2, 1))
        self.layer1 = nn.Sequential(nn.Conv2d(64, 128, 3, 2, 1), nn.BatchNorm2d(128), nn.ReLU())
        self.layer2 = nn.Sequential(nn.Conv2d(128, 256, 3, 2, 1), nn.BatchNorm2d(256), nn.ReLU())
        self.pool = nn.AdaptiveAvgPool2d(1)
        self.fc = nn.Linear(256, n_classes)

    def forward(self, x):
        return self.fc(self.pool(self.layer2(self.layer1(self.stem(x)))).flatten(1))


def get_args():
    p = argparse.ArgumentParser()
    p.add_argument("--num-classes", type=int, default=5)
    p.add_argument("--epochs", type=int, default=4)
    p.add_argument("--lr", type=float, default=1e-3)
    return p.parse_args()


def main():
    args = get_args()
    model = ResNetish()
    model.fc = nn.Linear(model.fc.in_features, args.num_classes)
    optimizer = torch.optim.Adam(model.fc.parameters(), lr=args.lr)
    ds = TensorDataset(torch.randn(200, 3, 96, 96), torch.randint(0, args.num_classes, (200,)))
    train_dl = DataLoader(ds, batch_size=20, shuffle=True)
    for epoch in range(args.epochs):
        model.train()
        correct = total = 0
        for imgs, labels in train_dl:
            logits = model(imgs)
            loss = F.cross_entropy(logits, labels)
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
            correct += (logits.argmax(1) == labels).sum().item()
            total += labels.numel()
        print(f"epoch {epoch}: acc {correct / total:.3f}")


if __name__ == "__main__":
    main()
