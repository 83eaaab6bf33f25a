# expect: clean
# style: timm-style linear probe: backbone frozen with requires_grad_(False) and kept in eval(), optimizer over head only
# note: optimizer covers only the head, but the backbone is genuinely frozen, so nothing trainable is left out
import argparse

import torch
import torch.nn as nn
import torch.nn.functional as F
from torch.utils.data import DataLoader, TensorDataset


class ConvNeXtLite(nn.Module):
    def __init__(self, num_classes=1000):
        super().__init__()
        self.stem = nn.Sequential(nn.Conv2d(3, 64, 4, 4), nn.GroupNorm(1, 64))
        self.stages = nn.Sequential(nn.Conv2d(64, 64, 7, padding=3, groups=64), nn.GELU(),
                                    nn.Conv2d(64, 128, 2, 2), nn.GELU())
        self.head = nn.Linear(128, num_classes)

    def forward_features(self, x):
        return self.stages(self.stem(x)).mean((2, 3))

    def forward(self, x):
        return self.head(self.forward_features(x))


def freeze_backbone(model):
    for name, p in model.named_parameters():
        if not name.startswith("head."):
            p.requires_grad_(False)


def train_one_epoch(model, loader, optimizer):
    model.train()
    model.stem.eval()
    model.stages.eval()
    for x, y in loader:
        loss = F.cross_entropy(model(x), y)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
    return loss.item()


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--num-classes", type=int, default=102)
    parser.add_argument("--epochs", type=int, default=10)
    parser.add_argument("--lr", type=float, default=0.1)
    args = parser.parse_args()
    model = ConvNeXtLite()
    model.head = nn.Linear(128, args.num_classes)
    freeze_backbone(model)
    optimizer = torch.optim.SGD(model.head.parameters(), lr=args.lr, momentum=0.9)
    n_trainable = sum(p.numel() for p in model.parameters() if p.requires_grad)
    print(f"trainable params: {n_trainable}")
    ds = TensorDataset(torch.randn(256, 3, 64, 64), torch.randint(0, args.num_classes, (256,)))
    loader = DataLoader(ds, batch_size=32, shuffle=True)
    for epoch in range(args.epochs):
        print(f"epoch {epoch} loss {train_one_epoch(model, loader, optimizer):.4f}")


if __name__ == "__main__":
    main()
