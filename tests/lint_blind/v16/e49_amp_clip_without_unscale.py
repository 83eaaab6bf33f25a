# expect: TVL016
# style: timm-like train_one_epoch with AMP (GradScaler) and --clip-grad, image classification
# bug: clip_grad_norm_ is applied to the still-scaled gradients (no scaler.unscale_ beforehand), so the clip threshold is compared against gradients multiplied by the loss scale (~65536) and clips almost every step
import argparse
import logging
import time

import torch
import torch.nn as nn
import torch.nn.functional as F
from torch.utils.data import DataLoader, TensorDataset

_logger = logging.getLogger("train")


def parse_args():
    p = argparse.ArgumentParser()
    p.add_argument("--epochs", type=int, default=20)
    p.add_argument("--lr", type=float, default=1e-3)
    p.add_argument("--clip-grad", type=float, default=1.0)
    p.add_argument("--amp", action="store_true", default=True)
    p.add_argument("--log-interval", type=int, default=50)
    return p.parse_args()


class ConvMixer(nn.Module):
    def __init__(self, dim=128, depth=6, k=7, patch=4, n_classes=10):
        super().__init__()
        self.stem = nn.Sequential(nn.Conv2d(3, dim, patch, patch), nn.GELU(), nn.BatchNorm2d(dim))
        self.blocks = nn.Sequential(*[nn.Sequential(
            nn.Conv2d(dim, dim, k, groups=dim, padding=k // 2), nn.GELU(), nn.BatchNorm2d(dim),
            nn.Conv2d(dim, dim, 1), nn.GELU(), nn.BatchNorm2d(dim)) for _ in range(depth)])
        self.head = nn.Linear(dim, n_classes)

    def forward(self, x):
        x = self.blocks(self.stem(x))
        return self.head(x.mean((2, 3)))


def train_one_epoch(epoch, model, loader, optimizer, loss_scaler, args, device):
    model.train()
    start = time.time()
    for batch_idx, (input, target) in enumerate(loader):
        input, target = input.to(device), target.to(device)
        with torch.autocast(device_type=device.type, dtype=torch.float16, enabled=args.amp and device.type == "cuda"):
            output = model(input)
            loss = F.cross_entropy(output, target, label_smoothing=0.1)
        optimizer.zero_grad(set_to_none=True)
        loss_scaler.scale(loss).backward()
        if args.clip_grad is not None:
            torch.nn.utils.clip_grad_norm_(model.parameters(), args.clip_grad)
        loss_scaler.step(optimizer)
        loss_scaler.update()
        if batch_idx % args.log_interval == 0:
            _logger.info("Train: %d [%d/%d] loss %.4f lr %.2e scale %.0f (%.1fs)", epoch, batch_idx, len(loader),
                         loss.item(), optimizer.param_groups[0]["lr"], loss_scaler.get_scale(), time.time() - start)


@torch.no_grad()
def validate(model, loader, device):
    model.eval()
    top1 = n = 0
    for input, target in loader:
        top1 += (model(input.to(device)).argmax(1).cpu() == target).sum().item()
        n += len(target)
    return 100 * top1 / n


def main():
    args = parse_args()
    logging.basicConfig(level=logging.INFO)
    device = torch.device("cuda" if torch.cuda.is_available() else "cpu")
    x, y = torch.randn(6000, 3, 32, 32), torch.randint(0, 10, (6000,))
    train_loader = DataLoader(TensorDataset(x[:5000], y[:5000]), batch_size=128, shuffle=True, drop_last=True)
    val_loader = DataLoader(TensorDataset(x[5000:], y[5000:]), batch_size=256)
    model = ConvMixer().to(device)
    optimizer = torch.optim.AdamW(model.parameters(), lr=args.lr, weight_decay=0.05)
    lr_sched = torch.optim.lr_scheduler.CosineAnnealingLR(optimizer, T_max=args.epochs)
    loss_scaler = torch.cuda.amp.GradScaler(enabled=args.amp and device.type == "cuda")
    best = 0.0
    for epoch in range(args.epochs):
        train_one_epoch(epoch, model, train_loader, optimizer, loss_scaler, args, device)
        lr_sched.step()
        top1 = validate(model, val_loader, device)
        best = max(best, top1)
        _logger.info("epoch %d top1 %.2f best %.2f", epoch, top1, best)
        torch.save({"model": model.state_dict(), "scaler": loss_scaler.state_dict()}, "convmixer_last.pth")


if __name__ == "__main__":
    main()
