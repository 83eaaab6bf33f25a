# expect: TVL012
# style: timm-like train_one_epoch with AverageMeter utilities, image classification
# bug: train_one_epoch passes the loss tensor itself to AverageMeter.update, whose self.sum += val * n keeps every iteration's autograd graph alive
import argparse
import logging
import time

import torch
import torch.nn as nn
import torch.nn.functional as F
from torch.utils.data import DataLoader, TensorDataset

_logger = logging.getLogger("train")


class AverageMeter:
    def __init__(self):
        self.reset()

    def reset(self):
        self.val = 0
        self.avg = 0
        self.sum = 0
        self.count = 0

    def update(self, val, n=1):
        self.val = val
        self.sum += val * n
        self.count += n
        self.avg = self.sum / self.count


def accuracy(output, target, topk=(1,)):
    maxk = max(topk)
    _, pred = output.topk(maxk, 1, True, True)
    correct = pred.t().eq(target.reshape(1, -1).expand_as(pred.t()))
    return [correct[:k].reshape(-1).float().sum(0) * 100.0 / target.size(0) for k in topk]


def build_model(n_classes):
    return nn.Sequential(
        nn.Conv2d(3, 48, 3, 2, 1), nn.BatchNorm2d(48), nn.SiLU(),
        nn.Conv2d(48, 96, 3, 2, 1), nn.BatchNorm2d(96), nn.SiLU(),
        nn.Conv2d(96, 192, 3, 2, 1), nn.BatchNorm2d(192), nn.SiLU(),
        nn.AdaptiveAvgPool2d(1), nn.Flatten(), nn.Dropout(0.2), nn.Linear(192, n_classes))


def train_one_epoch(epoch, model, loader, optimizer, log_interval=20):
    batch_time_m = AverageMeter()
    losses_m = AverageMeter()
    model.train()
    end = time.time()
    for batch_idx, (input, target) in enumerate(loader):
        output = model(input)
        loss = F.cross_entropy(output, target, label_smoothing=0.1)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        losses_m.update(loss, input.size(0))
        batch_time_m.update(time.time() - end)
        end = time.time()
        if batch_idx % log_interval == 0:
            _logger.info("Train: %d [%d/%d] Loss: %.4f (%.4f) Time: %.3fs", epoch, batch_idx, len(loader),
                         float(losses_m.val), float(losses_m.avg), batch_time_m.avg)
    return {"loss": float(losses_m.avg)}


@torch.no_grad()
def validate(model, loader):
    losses_m, top1_m, top5_m = AverageMeter(), AverageMeter(), AverageMeter()
    model.eval()
    for input, target in loader:
        output = model(input)
        loss = F.cross_entropy(output, target)
        acc1, acc5 = accuracy(output, target, topk=(1, 5))
        losses_m.update(loss.item(), input.size(0))
        top1_m.update(acc1.item(), input.size(0))
        top5_m.update(acc5.item(), input.size(0))
    return {"loss": losses_m.avg, "top1": top1_m.avg, "top5": top5_m.avg}


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--epochs", type=int, default=20)
    parser.add_argument("--lr", type=float, default=0.05)
    parser.add_argument("--batch-size", type=int, default=64)
    args = parser.parse_args()
    logging.basicConfig(level=logging.INFO)

    x, y = torch.randn(6000, 3, 64, 64), torch.randint(0, 100, (6000,))
    train_loader = DataLoader(TensorDataset(x[:5000], y[:5000]), batch_size=args.batch_size, shuffle=True)
    eval_loader = DataLoader(TensorDataset(x[5000:], y[5000:]), batch_size=250)
    model = build_model(100)
    optimizer = torch.optim.SGD(model.parameters(), lr=args.lr, momentum=0.9, weight_decay=5e-5)
    lr_scheduler = torch.optim.lr_scheduler.CosineAnnealingLR(optimizer, T_max=args.epochs)

    for epoch in range(args.epochs):
        train_metrics = train_one_epoch(epoch, model, train_loader, optimizer)
        eval_metrics = validate(model, eval_loader)
        lr_scheduler.step()
        _logger.info("epoch %d train %s eval %s", epoch, train_metrics, eval_metrics)


if __name__ == "__main__":
    main()
