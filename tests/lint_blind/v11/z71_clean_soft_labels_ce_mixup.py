# expect: clean
# style: image classifier with mixup/cutmix producing soft float targets; collate converts and mixes
# note: float targets reach F.cross_entropy, but they are (B, C) class-probability targets (mixup), which cross_entropy supports; hard labels are cast with .long() before one_hot
import argparse

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F
from torch.utils.data import DataLoader, TensorDataset

N_CLS = 10


def mixup_collate(alpha):
    def collate(batch):
        x = torch.stack([b[0] for b in batch])
        y = torch.tensor([int(b[1]) for b in batch]).long()
        y1 = F.one_hot(y, N_CLS).float()
        lam = float(np.random.beta(alpha, alpha))
        perm = torch.randperm(x.size(0))
        return lam * x + (1 - lam) * x[perm], lam * y1 + (1 - lam) * y1[perm]
    return collate


def build_model():
    return nn.Sequential(nn.Conv2d(3, 32, 3, padding=1), nn.BatchNorm2d(32), nn.ReLU(), nn.MaxPool2d(2),
                         nn.Conv2d(32, 64, 3, padding=1), nn.BatchNorm2d(64), nn.ReLU(),
                         nn.AdaptiveAvgPool2d(1), nn.Flatten(), nn.Linear(64, N_CLS))


def train_epoch(model, loader, opt):
    model.train()
    tot = 0.0
    for x, soft_y in loader:
        logits = model(x)
        loss = F.cross_entropy(logits, soft_y)
        opt.zero_grad()
        loss.backward()
        opt.step()
        tot += loss.item()
    return tot / len(loader)


@torch.no_grad()
def accuracy(model, loader):
    model.eval()
    hit = n = 0
    for x, y in loader:
        hit += (model(x).argmax(1) == y).sum().item()
        n += len(y)
    return hit / n


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--alpha", type=float, default=0.4)
    ap.add_argument("--epochs", type=int, default=6)
    args = ap.parse_args()
    # labels stored as float in the source array, cast in the collate
    x, y = torch.randn(2500, 3, 32, 32), torch.randint(0, N_CLS, (2500,)).float()
    train_dl = DataLoader(TensorDataset(x[:2000], y[:2000]), batch_size=64, shuffle=True,
                          collate_fn=mixup_collate(args.alpha))
    test_dl = DataLoader(TensorDataset(x[2000:], y[2000:].long()), batch_size=256)
    model = build_model()
    opt = torch.optim.SGD(model.parameters(), lr=0.05, momentum=0.9, weight_decay=5e-4)
    for ep in range(args.epochs):
        tl = train_epoch(model, train_dl, opt)
        print(f"epoch {ep} mixup-loss {tl:.4f} test acc {accuracy(model, test_dl):.4f}")


if __name__ == "__main__":
    main()
