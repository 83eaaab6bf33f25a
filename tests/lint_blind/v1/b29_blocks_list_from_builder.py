# expect: TVL005
# style: torchvision-style model factory (make_layers(cfg) helper returning stages, VGG/ResNet-like)
# bug: make_stages() returns a Python list and Backbone stores it as self.stages (plain list), so stage weights are unregistered
import argparse

import torch
import torch.nn as nn
import torch.nn.functional as F
from torch.utils.data import DataLoader, TensorDataset

CFGS = {"A": [32, 64, 128], "B": [64, 128, 256, 256]}


def conv_bn(in_ch, out_ch, stride):
    return nn.Sequential(nn.Conv2d(in_ch, out_ch, 3, stride, 1, bias=False), nn.BatchNorm2d(out_ch), nn.ReLU(inplace=True))


def make_stages(cfg, in_ch=3):
    stages = []
    for out_ch in cfg:
        stages.append(nn.Sequential(conv_bn(in_ch, out_ch, 2), conv_bn(out_ch, out_ch, 1)))
        in_ch = out_ch
    return stages


class Backbone(nn.Module):
    def __init__(self, cfg, num_classes=100):
        super().__init__()
        self.stages = make_stages(cfg)
        self.fc = nn.Linear(cfg[-1], num_classes)

    def forward(self, x):
        for stage in self.stages:
            x = stage(x)
        return self.fc(F.adaptive_avg_pool2d(x, 1).flatten(1))


def train_epoch(model, loader, optimizer):
    model.train()
    for i, (x, y) in enumerate(loader):
        loss = F.cross_entropy(model(x), y)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        if i % 20 == 0:
            print(f"  iter {i}: loss {loss.item():.4f}")


if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("--arch", default="A", choices=list(CFGS))
    parser.add_argument("--epochs", type=int, default=5)
    parser.add_argument("--lr", type=float, default=0.1)
    args = parser.parse_args()
    ds = TensorDataset(torch.randn(1024, 3, 32, 32), torch.randint(0, 100, (1024,)))
    loader = DataLoader(ds, batch_size=64, shuffle=True, drop_last=True)
    model = Backbone(CFGS[args.arch])
    optimizer = torch.optim.SGD(model.parameters(), lr=args.lr, momentum=0.9, weight_decay=5e-4)
    scheduler = torch.optim.lr_scheduler.CosineAnnealingLR(optimizer, T_max=args.epochs)
    for epoch in range(args.epochs):
        train_epoch(model, loader, optimizer)
        scheduler.step()
        print(f"epoch {epoch} done, lr {scheduler.get_last_lr()[0]:.4f}")
