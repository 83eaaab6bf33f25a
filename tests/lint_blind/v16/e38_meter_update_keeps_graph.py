# expect: TVL012
# style: research repo with a MetricLogger/SmoothedValue utility (torchvision-references-like), semantic segmentation
# bug: train_one_epoch passes the loss tensor to metric_logger.update(), and SmoothedValue.update accumulates self.total += value, keeping every batch's graph alive for the whole epoch
import argparse
import datetime
import logging
import time
from collections import defaultdict, deque

import torch
import torch.nn as nn
import torch.nn.functional as F
from torch.utils.data import DataLoader, TensorDataset

log = logging.getLogger("seg")


class SmoothedValue:
    def __init__(self, window_size=20):
        self.deque = deque(maxlen=window_size)
        self.total = 0.0
        self.count = 0

    def update(self, value, n=1):
        self.deque.append(float(value))
        self.count += n
        self.total += value * n

    @property
    def median(self):
        d = sorted(self.deque)
        return d[len(d) // 2] if d else 0.0

    @property
    def global_avg(self):
        return float(self.total) / max(self.count, 1)


class MetricLogger:
    def __init__(self):
        self.meters = defaultdict(SmoothedValue)

    def update(self, **kwargs):
        for k, v in kwargs.items():
            self.meters[k].update(v)

    def __str__(self):
        return "  ".join(f"{k}: {m.median:.4f} ({m.global_avg:.4f})" for k, m in self.meters.items())


class TinyDeepLab(nn.Module):
    def __init__(self, n_classes=21):
        super().__init__()
        self.enc = nn.Sequential(
            nn.Conv2d(3, 32, 3, 2, 1), nn.BatchNorm2d(32), nn.ReLU(),
            nn.Conv2d(32, 64, 3, 2, 1), nn.BatchNorm2d(64), nn.ReLU(),
            nn.Conv2d(64, 64, 3, 1, 2, dilation=2), nn.BatchNorm2d(64), nn.ReLU())
        self.cls = nn.Conv2d(64, n_classes, 1)

    def forward(self, x):
        return F.interpolate(self.cls(self.enc(x)), size=x.shape[-2:], mode="bilinear", align_corners=False)


def train_one_epoch(model, optimizer, lr_scheduler, loader, device, epoch, print_freq=20):
    model.train()
    metric_logger = MetricLogger()
    for i, (image, target) in enumerate(loader):
        image, target = image.to(device), target.to(device)
        output = model(image)
        loss = F.cross_entropy(output, target, ignore_index=255)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        lr_scheduler.step()
        metric_logger.update(loss=loss, lr=optimizer.param_groups[0]["lr"])
        if i % print_freq == 0:
            log.info("Epoch [%d] [%d/%d] %s", epoch, i, len(loader), metric_logger)
    return metric_logger


@torch.no_grad()
def evaluate(model, loader, device, n_classes=21):
    model.eval()
    conf = torch.zeros(n_classes, n_classes, dtype=torch.long)
    for image, target in loader:
        pred = model(image.to(device)).argmax(1).cpu()
        k = target != 255
        conf += torch.bincount(n_classes * target[k] + pred[k], minlength=n_classes ** 2).view(n_classes, n_classes)
    iou = conf.diag().float() / (conf.sum(0) + conf.sum(1) - conf.diag()).float().clamp(min=1)
    return iou.mean().item()


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--epochs", type=int, default=10)
    ap.add_argument("--lr", type=float, default=0.01)
    args = ap.parse_args()
    logging.basicConfig(level=logging.INFO)
    device = "cuda" if torch.cuda.is_available() else "cpu"
    imgs = torch.randn(600, 3, 128, 128)
    masks = torch.randint(0, 21, (600, 128, 128))
    train_loader = DataLoader(TensorDataset(imgs[:500], masks[:500]), batch_size=8, shuffle=True, drop_last=True)
    val_loader = DataLoader(TensorDataset(imgs[500:], masks[500:]), batch_size=8)
    model = TinyDeepLab().to(device)
    optimizer = torch.optim.SGD(model.parameters(), lr=args.lr, momentum=0.9, weight_decay=1e-4)
    iters = args.epochs * len(train_loader)
    lr_scheduler = torch.optim.lr_scheduler.LambdaLR(optimizer, lambda x: (1 - x / iters) ** 0.9)
    start = time.time()
    for epoch in range(args.epochs):
        ml = train_one_epoch(model, optimizer, lr_scheduler, train_loader, device, epoch)
        miou = evaluate(model, val_loader, device)
        log.info("epoch %d train loss %.4f mIoU %.4f", epoch, ml.meters["loss"].global_avg, miou)
        torch.save({"model": model.state_dict(), "epoch": epoch}, "deeplab_last.pth")
    log.info("Training time %s", str(datetime.timedelta(seconds=int(time.time() - start))))


if __name__ == "__main__":
    main()
