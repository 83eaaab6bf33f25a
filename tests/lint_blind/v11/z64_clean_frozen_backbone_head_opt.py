# expect: clean
# style: linear-probe script; optimizer factory over the head only, backbone frozen by a helper
# note: the optimizer only covers the classifier head, but `freeze` sets requires_grad=False on every backbone parameter and the backbone is kept in eval mode for BN statistics
import argparse

import torch
import torch.nn as nn
import torch.nn.functional as F
from torch.utils.data import DataLoader, TensorDataset


class Backbone(nn.Module):
    def __init__(self):
        super().__init__()
        self.net = nn.Sequential(nn.Conv2d(3, 64, 3, 2, 1), nn.BatchNorm2d(64), nn.ReLU(),
                                 nn.Conv2d(64, 128, 3, 2, 1), nn.BatchNorm2d(128), nn.ReLU(),
                                 nn.AdaptiveAvgPool2d(1), nn.Flatten())
        self.out_dim = 128

    def forward(self, x):
        return self.net(x)


class LinearProbe(nn.Module):
    def __init__(self, backbone, n_cls):
        super().__init__()
        self.backbone = backbone
        self.head = nn.Linear(backbone.out_dim, n_cls)

    def forward(self, x):
        return self.head(self.backbone(x))

    def train(self, mode=True):
        super().train(mode)
        self.backbone.eval()
        return self


def freeze(module):
    for p in module.parameters():
        p.requires_grad = False
    return module


def build_optimizer(model, lr, wd):
    return torch.optim.SGD(model.head.parameters(), lr=lr, momentum=0.9, weight_decay=wd)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--lr", type=float, default=0.1)
    ap.add_argument("--wd", type=float, default=0.0)
    ap.add_argument("--epochs", type=int, default=10)
    args = ap.parse_args()
    model = LinearProbe(freeze(Backbone()), n_cls=10)
    opt = build_optimizer(model, args.lr, args.wd)
    sched = torch.optim.lr_scheduler.CosineAnnealingLR(opt, T_max=args.epochs)
    ds = TensorDataset(torch.randn(2000, 3, 32, 32), torch.randint(0, 10, (2000,)))
    loader = DataLoader(ds, batch_size=128, shuffle=True)
    for ep in range(args.epochs):
        model.train()
        correct = n = 0
        for x, y in loader:
            logits = model(x)
            loss = F.cross_entropy(logits, y)
            opt.zero_grad()
            loss.backward()
            opt.step()
            correct += (logits.argmax(1) == y).sum().item()
            n += len(y)
        sched.step()
        print(f"epoch {ep} acc {correct/n:.4f} lr {sched.get_last_lr()[0]:.4f}")


if __name__ == "__main__":
    main()
