# expect: clean
# style: metric-learning/face-verification Trainer with a LossMeter fed by loss.item(), plus a detached tensor for a moving average
# note: both running sums look like loss accumulation, but one gets loss.item() and the EMA uses loss.detach(), so no graph is kept across iterations
import argparse
import logging
import math

import torch
import torch.nn as nn
import torch.nn.functional as F
from torch.utils.data import DataLoader, TensorDataset

log = logging.getLogger("arcface")


class LossMeter:
    def __init__(self):
        self.total = 0.0
        self.count = 0

    def update(self, value, n=1):
        self.total += value * n
        self.count += n

    @property
    def avg(self):
        return self.total / max(self.count, 1)


class ArcMarginHead(nn.Module):
    def __init__(self, dim, n_classes, s=30.0, m=0.5):
        super().__init__()
        self.weight = nn.Parameter(torch.empty(n_classes, dim))
        nn.init.xavier_uniform_(self.weight)
        self.s, self.m = s, m

    def forward(self, emb, labels):
        cos = F.linear(F.normalize(emb), F.normalize(self.weight)).clamp(-1 + 1e-7, 1 - 1e-7)
        theta = torch.acos(cos)
        target = torch.cos(theta + self.m)
        onehot = F.one_hot(labels, cos.size(1)).float()
        return self.s * (onehot * target + (1 - onehot) * cos)


class FaceNet(nn.Module):
    def __init__(self, dim=128):
        super().__init__()
        self.body = nn.Sequential(
            nn.Conv2d(3, 32, 3, 2, 1), nn.BatchNorm2d(32), nn.PReLU(32),
            nn.Conv2d(32, 64, 3, 2, 1), nn.BatchNorm2d(64), nn.PReLU(64),
            nn.Conv2d(64, 128, 3, 2, 1), nn.BatchNorm2d(128), nn.PReLU(128),
            nn.AdaptiveAvgPool2d(1), nn.Flatten(), nn.Linear(128, dim), nn.BatchNorm1d(dim),
        )

    def forward(self, x):
        return self.body(x)


class Trainer:
    def __init__(self, net, head, lr):
        self.net, self.head = net, head
        self.opt = torch.optim.SGD(list(net.parameters()) + list(head.parameters()), lr=lr, momentum=0.9,
                                   weight_decay=5e-4)
        self.ema_loss = None

    def train_epoch(self, loader, epoch):
        self.net.train()
        self.head.train()
        meter = LossMeter()
        for it, (x, y) in enumerate(loader):
            logits = self.head(self.net(x), y)
            loss = F.cross_entropy(logits, y)
            self.opt.zero_grad()
            loss.backward()
            self.opt.step()
            meter.update(loss.item(), x.size(0))
            d = loss.detach()
            self.ema_loss = d if self.ema_loss is None else 0.98 * self.ema_loss + 0.02 * d
            if it % 50 == 0:
                log.info("ep %d it %d loss %.4f ema %.4f", epoch, it, meter.avg, self.ema_loss.item())
        return meter.avg

    @torch.no_grad()
    def verify(self, pairs_a, pairs_b, same):
        self.net.eval()
        sims = F.cosine_similarity(self.net(pairs_a), self.net(pairs_b))
        self.net.train()
        best = max(((sims > t) == same).float().mean().item() for t in torch.linspace(-1, 1, 41))
        return best


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--epochs", type=int, default=20)
    ap.add_argument("--lr", type=float, default=0.1)
    ap.add_argument("--ids", type=int, default=500)
    args = ap.parse_args()
    logging.basicConfig(level=logging.INFO)
    loader = DataLoader(TensorDataset(torch.randn(10000, 3, 64, 64), torch.randint(0, args.ids, (10000,))),
                        batch_size=128, shuffle=True, drop_last=True)
    trainer = Trainer(FaceNet(), ArcMarginHead(128, args.ids), args.lr)
    a, b = torch.randn(300, 3, 64, 64), torch.randn(300, 3, 64, 64)
    same = torch.rand(300) < 0.5
    for ep in range(args.epochs):
        avg = trainer.train_epoch(loader, ep)
        acc = trainer.verify(a, b, same)
        log.info("epoch %d loss %.4f (ppl-ish %.1f) verif acc %.4f", ep, avg, math.exp(min(avg, 30)), acc)
    torch.save({"net": trainer.net.state_dict(), "head": trainer.head.state_dict()}, "arcface.pt")


if __name__ == "__main__":
    main()
