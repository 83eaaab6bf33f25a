# expect: clean
# style: research repo with a MetricLogger utility (detectron-like), depth estimation
# note: losses are accumulated in a running meter across iterations, but MetricLogger.update converts tensors with .item() before summing
import argparse
import logging
from collections import defaultdict, deque

import torch
import torch.nn as nn
import torch.nn.functional as F
from torch.utils.data import DataLoader, TensorDataset

logger = logging.getLogger("depth")


class SmoothedValue:
    def __init__(self, window=20):
        self.deque = deque(maxlen=window)
        self.total = 0.0
        self.count = 0

    def update(self, value, n=1):
        self.deque.append(value)
        self.total += value * n
        self.count += n

    @property
    def median(self):
        return sorted(self.deque)[len(self.deque) // 2]

    @property
    def global_avg(self):
        return self.total / max(self.count, 1)


class MetricLogger:
    def __init__(self):
        self.meters = defaultdict(SmoothedValue)

    def update(self, n=1, **kwargs):
        for k, v in kwargs.items():
            if isinstance(v, torch.Tensor):
                v = v.item()
            self.meters[k].update(float(v), n)

    def __str__(self):
        return "  ".join(f"{k}: {m.median:.4f} ({m.global_avg:.4f})" for k, m in self.meters.items())


class DepthNet(nn.Module):
    def __init__(self):
        super().__init__()
        self.enc = nn.Sequential(nn.Conv2d(3, 32, 3, 2, 1), nn.ReLU(), nn.Conv2d(32, 64, 3, 2, 1), nn.ReLU(),
                                 nn.Conv2d(64, 128, 3, 2, 1), nn.ReLU())
        self.dec = nn.Sequential(nn.Upsample(scale_factor=2), nn.Conv2d(128, 64, 3, padding=1), nn.ReLU(),
                                 nn.Upsample(scale_factor=2), nn.Conv2d(64, 32, 3, padding=1), nn.ReLU(),
                                 nn.Upsample(scale_factor=2), nn.Conv2d(32, 1, 3, padding=1))

    def forward(self, x):
        return F.softplus(self.dec(self.enc(x)))


def silog_loss(pred, target, lam=0.85, eps=1e-6):
    d = torch.log(pred + eps) - torch.log(target + eps)
    return torch.sqrt((d ** 2).mean() - lam * d.mean() ** 2) * 10


def gradient_loss(pred, target):
    dx = lambda t: t[..., :, 1:] - t[..., :, :-1]
    dy = lambda t: t[..., 1:, :] - t[..., :-1, :]
    return (dx(pred) - dx(target)).abs().mean() + (dy(pred) - dy(target)).abs().mean()


def train_one_epoch(model, loader, optimizer, epoch, print_freq=20):
    model.train()
    metric_logger = MetricLogger()
    for i, (img, depth) in enumerate(loader):
        pred = model(img)
        l_si = silog_loss(pred, depth)
        l_grad = gradient_loss(pred, depth)
        loss = l_si + 0.5 * l_grad
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        metric_logger.update(n=img.size(0), loss=loss, silog=l_si, grad=l_grad, lr=optimizer.param_groups[0]["lr"])
        if i % print_freq == 0:
            logger.info("Epoch: [%d] [%d/%d]  %s", epoch, i, len(loader), metric_logger)
    return {k: m.global_avg for k, m in metric_logger.meters.items()}


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--epochs", type=int, default=20)
    ap.add_argument("--lr", type=float, default=1e-4)
    args = ap.parse_args()
    logging.basicConfig(level=logging.INFO)
    img = torch.rand(1000, 3, 96, 128)
    depth = 0.5 + 9.5 * torch.rand(1000, 1, 96, 128)
    loader = DataLoader(TensorDataset(img, depth), batch_size=8, shuffle=True, num_workers=2)
    model = DepthNet()
    optimizer = torch.optim.AdamW(model.parameters(), lr=args.lr)
    scheduler = torch.optim.lr_scheduler.ExponentialLR(optimizer, gamma=0.95)
    for epoch in range(args.epochs):
        stats = train_one_epoch(model, loader, optimizer, epoch)
        scheduler.step()
        logger.info("epoch %d averaged stats: %s", epoch, stats)


if __name__ == "__main__":
    main()
