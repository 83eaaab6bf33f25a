# expect: TVL006
# style: timm-like fine-tuning script with build_* factories, image classification transfer learning
# bug: build_optimizer() only passes model.classifier parameters, but the backbone is never frozen, so its gradients are computed every step and never applied.
import argparse

import torch
import torch.nn as nn
import torch.nn.functional as F
from torch.utils.data import DataLoader, TensorDataset


class Backbone(nn.Module):
    def __init__(self, width=48):
        super().__init__()
        chans = [3, width, width * 2, width * 4]
        layers = []
        for cin, cout in zip(chans[:-1], chans[1:]):
            layers += [nn.Conv2d(cin, cout, 3, stride=2, padding=1, bias=False), nn.BatchNorm2d(cout), nn.SiLU()]
        self.stages = nn.Sequential(*layers)
        self.out_dim = chans[-1]

    def forward(self, x):
        return self.stages(x).mean((2, 3))


class Classifier(nn.Module):
    def __init__(self, num_classes):
        super().__init__()
        self.backbone = Backbone()
        self.classifier = nn.Sequential(nn.Dropout(0.2), nn.Linear(self.backbone.out_dim, num_classes))

    def forward(self, x):
        return self.classifier(self.backbone(x))


def build_model(args):
    model = Classifier(args.num_classes)
    # pretend we loaded ImageNet weights into model.backbone here
    return model


def build_optimizer(args, model):
    # new head gets the full learning rate
    return torch.optim.SGD(model.classifier.parameters(), lr=args.lr, momentum=0.9, weight_decay=1e-4)


def build_loaders(args):
    x = torch.randn(1600, 3, 64, 64)
    y = torch.randint(0, args.num_classes, (1600,))
    train = DataLoader(TensorDataset(x[:1400], y[:1400]), batch_size=args.batch_size, shuffle=True)
    val = DataLoader(TensorDataset(x[1400:], y[1400:]), batch_size=200)
    return train, val


def train_one_epoch(model, loader, optimizer):
    model.train()
    for x, y in loader:
        loss = F.cross_entropy(model(x), y)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
    return loss.item()


@torch.no_grad()
def evaluate(model, loader):
    model.eval()
    hits = sum((model(x).argmax(1) == y).sum().item() for x, y in loader)
    return hits / len(loader.dataset)


def main():
    ap = argparse.ArgumentParser(description="fine-tune on a small dataset")
    ap.add_argument("--num-classes", type=int, default=37)
    ap.add_argument("--lr", type=float, default=0.01)
    ap.add_argument("--epochs", type=int, default=8)
    ap.add_argument("--batch-size", type=int, default=32)
    args = ap.parse_args()

    model = build_model(args)
    optimizer = build_optimizer(args, model)
    train_loader, val_loader = build_loaders(args)
    for epoch in range(args.epochs):
        last = train_one_epoch(model, train_loader, optimizer)
        print(f"epoch {epoch} last_loss {last:.3f} val_acc {evaluate(model, val_loader):.3f}")


if __name__ == "__main__":
    main()
