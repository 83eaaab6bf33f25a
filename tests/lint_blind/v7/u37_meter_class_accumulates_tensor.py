# expect: TVL012
# style: research repo with an AverageMeter-like class in utils, contrastive (SimCLR-style) pretraining
# bug: LossTracker.update stores `self.sum += loss * n` using the loss tensor passed by train_epoch, so the tracker keeps every step's graph alive until the epoch ends.
import argparse
import logging

import torch
import torch.nn as nn
import torch.nn.functional as F
from torch.utils.data import DataLoader, TensorDataset

logger = logging.getLogger("simclr")


class LossTracker:
    def __init__(self, name):
        self.name = name
        self.reset()

    def reset(self):
        self.sum = 0.0
        self.count = 0

    def update(self, val, n=1):
        self.sum += val * n
        self.count += n

    @property
    def avg(self):
        return self.sum / max(self.count, 1)

    def __str__(self):
        return f"{self.name} {float(self.avg):.4f}"


def augment(x):
    x = x + 0.1 * torch.randn_like(x)
    if torch.rand(1) < 0.5:
        x = x.flip(-1)
    shift = int(torch.randint(-4, 5, (1,)))
    return torch.roll(x, shifts=shift, dims=-2)


class Encoder(nn.Module):
    def __init__(self, feat=128, proj=64):
        super().__init__()
        self.backbone = nn.Sequential(
            nn.Conv2d(3, 32, 3, 2, 1), nn.BatchNorm2d(32), nn.ReLU(),
            nn.Conv2d(32, 64, 3, 2, 1), nn.BatchNorm2d(64), nn.ReLU(),
            nn.Conv2d(64, feat, 3, 2, 1), nn.BatchNorm2d(feat), nn.ReLU(), nn.AdaptiveAvgPool2d(1), nn.Flatten(),
        )
        self.projector = nn.Sequential(nn.Linear(feat, feat), nn.ReLU(), nn.Linear(feat, proj))

    def forward(self, x):
        return self.projector(self.backbone(x))


def nt_xent(z1, z2, tau):
    z = F.normalize(torch.cat([z1, z2]), dim=1)
    sim = z @ z.t() / tau
    n = z1.size(0)
    sim.fill_diagonal_(float("-inf"))
    targets = torch.cat([torch.arange(n, 2 * n), torch.arange(0, n)])
    return F.cross_entropy(sim, targets)


def train_epoch(model, loader, opt, tau, tracker):
    model.train()
    for (x,) in loader:
        z1, z2 = model(augment(x)), model(augment(x))
        loss = nt_xent(z1, z2, tau)
        opt.zero_grad()
        loss.backward()
        opt.step()
        tracker.update(loss, x.size(0))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--epochs", type=int, default=50)
    ap.add_argument("--tau", type=float, default=0.5)
    ap.add_argument("--bs", type=int, default=256)
    args = ap.parse_args()
    logging.basicConfig(level=logging.INFO)
    loader = DataLoader(TensorDataset(torch.randn(5000, 3, 32, 32)), batch_size=args.bs, shuffle=True, drop_last=True)
    model = Encoder()
    opt = torch.optim.Adam(model.parameters(), lr=3e-4, weight_decay=1e-6)
    tracker = LossTracker("nt_xent")
    for epoch in range(args.epochs):
        tracker.reset()
        train_epoch(model, loader, opt, args.tau, tracker)
        logger.info("epoch %d %s", epoch, tracker)
    torch.save(model.backbone.state_dict(), "simclr_backbone.pt")


if __name__ == "__main__":
    main()
