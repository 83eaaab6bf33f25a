# expect: clean
# style: self-supervised evaluation: linear probe on a frozen encoder, features extracted under no_grad
# note: the encoder forward runs under torch.no_grad() and features are .detach()ed, but the encoder is deliberately frozen (requires_grad False, eval mode) and only the linear head is optimized
import argparse
import logging

import torch
import torch.nn as nn
import torch.nn.functional as F
from torch.utils.data import DataLoader, TensorDataset

log = logging.getLogger("probe")


def build_encoder():
    return nn.Sequential(
        nn.Conv2d(3, 64, 3, 1, 1), nn.BatchNorm2d(64), nn.ReLU(), nn.MaxPool2d(2),
        nn.Conv2d(64, 128, 3, 1, 1), nn.BatchNorm2d(128), nn.ReLU(), nn.MaxPool2d(2),
        nn.Conv2d(128, 256, 3, 1, 1), nn.BatchNorm2d(256), nn.ReLU(),
        nn.AdaptiveAvgPool2d(1), nn.Flatten())


class LinearProbe:
    def __init__(self, encoder, feat_dim, n_classes, lr):
        self.encoder = encoder.eval()
        for p in self.encoder.parameters():
            p.requires_grad_(False)
        self.bn = nn.BatchNorm1d(feat_dim, affine=False)
        self.head = nn.Linear(feat_dim, n_classes)
        self.opt = torch.optim.SGD(self.head.parameters(), lr=lr, momentum=0.9, weight_decay=0.0)

    @torch.no_grad()
    def features(self, x):
        return self.encoder(x).detach()

    def train_step(self, x, y):
        self.bn.train()
        logits = self.head(self.bn(self.features(x)))
        loss = F.cross_entropy(logits, y)
        self.opt.zero_grad()
        loss.backward()
        self.opt.step()
        return loss.item()

    @torch.no_grad()
    def accuracy(self, loader):
        self.bn.eval()
        hit = n = 0
        for x, y in loader:
            hit += (self.head(self.bn(self.features(x))).argmax(1) == y).sum().item()
            n += len(y)
        return hit / n


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--epochs", type=int, default=50)
    ap.add_argument("--lr", type=float, default=0.1)
    args = ap.parse_args()
    logging.basicConfig(level=logging.INFO)
    x, y = torch.randn(6000, 3, 32, 32), torch.randint(0, 10, (6000,))
    train_loader = DataLoader(TensorDataset(x[:5000], y[:5000]), batch_size=256, shuffle=True)
    test_loader = DataLoader(TensorDataset(x[5000:], y[5000:]), batch_size=500)
    encoder = build_encoder()
    # encoder.load_state_dict(<SSL checkpoint>) in a real run
    probe = LinearProbe(encoder, 256, 10, args.lr)
    sched = torch.optim.lr_scheduler.CosineAnnealingLR(probe.opt, T_max=args.epochs)
    for epoch in range(args.epochs):
        losses = [probe.train_step(xb, yb) for xb, yb in train_loader]
        sched.step()
        if epoch % 5 == 0 or epoch == args.epochs - 1:
            log.info("epoch %d loss %.4f top1 %.4f", epoch, sum(losses) / len(losses), probe.accuracy(test_loader))


if __name__ == "__main__":
    main()
