# expect: clean
# style: AMP training engine (timm-like NativeScaler), image classification with mixup, clipping after unscale_
# note: gradient clipping happens inside the scaler wrapper, after scaler.unscale_(), and scaler.update() follows every scaler.step()
import argparse
import logging

import torch
import torch.nn as nn
import torch.nn.functional as F
from torch.utils.data import DataLoader, TensorDataset

_logger = logging.getLogger("train")


class NativeScaler:
    state_dict_key = "amp_scaler"

    def __init__(self, enabled=True):
        self._scaler = torch.cuda.amp.GradScaler(enabled=enabled)

    def __call__(self, loss, optimizer, clip_grad=None, parameters=None):
        self._scaler.scale(loss).backward()
        norm = None
        if clip_grad is not None:
            self._scaler.unscale_(optimizer)
            norm = torch.nn.utils.clip_grad_norm_(parameters, clip_grad)
        self._scaler.step(optimizer)
        self._scaler.update()
        return norm

    def state_dict(self):
        return self._scaler.state_dict()


def mixup(x, y, n_classes, alpha=0.2):
    lam = torch.distributions.Beta(alpha, alpha).sample().item()
    perm = torch.randperm(x.size(0))
    y1 = F.one_hot(y, n_classes).float()
    return lam * x + (1 - lam) * x[perm], lam * y1 + (1 - lam) * y1[perm]


def build_model(n_classes):
    return nn.Sequential(
        nn.Conv2d(3, 48, 3, 2, 1), nn.BatchNorm2d(48), nn.SiLU(),
        nn.Conv2d(48, 96, 3, 2, 1), nn.BatchNorm2d(96), nn.SiLU(),
        nn.Conv2d(96, 192, 3, 2, 1), nn.BatchNorm2d(192), nn.SiLU(),
        nn.AdaptiveAvgPool2d(1), nn.Flatten(), nn.Dropout(0.2), nn.Linear(192, n_classes),
    )


def train_one_epoch(model, loader, optimizer, loss_scaler, device, n_classes, clip):
    model.train()
    tot = 0.0
    for x, y in loader:
        x, y = x.to(device), y.to(device)
        x, soft = mixup(x, y, n_classes)
        with torch.autocast(device_type="cuda", enabled=device == "cuda"):
            out = model(x)
            loss = torch.sum(-soft * F.log_softmax(out, dim=-1), dim=-1).mean()
        optimizer.zero_grad()
        loss_scaler(loss, optimizer, clip_grad=clip, parameters=model.parameters())
        tot += loss.item()
    return tot / len(loader)


@torch.no_grad()
def validate(model, loader, device):
    model.eval()
    correct = 0
    for x, y in loader:
        correct += (model(x.to(device)).argmax(-1).cpu() == y).sum().item()
    return correct / len(loader.dataset)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--epochs", type=int, default=50)
    ap.add_argument("--lr", type=float, default=2e-3)
    ap.add_argument("--clip-grad", type=float, default=5.0)
    args = ap.parse_args()
    logging.basicConfig(level=logging.INFO)
    device = "cuda" if torch.cuda.is_available() else "cpu"
    n_classes = 102
    model = build_model(n_classes).to(device)
    optimizer = torch.optim.AdamW(model.parameters(), lr=args.lr, weight_decay=0.05)
    sched = torch.optim.lr_scheduler.CosineAnnealingLR(optimizer, T_max=args.epochs, eta_min=1e-6)
    scaler = NativeScaler(enabled=device == "cuda")
    train_dl = DataLoader(TensorDataset(torch.randn(4000, 3, 64, 64), torch.randint(0, n_classes, (4000,))),
                          batch_size=64, shuffle=True, drop_last=True)
    val_dl = DataLoader(TensorDataset(torch.randn(800, 3, 64, 64), torch.randint(0, n_classes, (800,))), batch_size=128)
    for epoch in range(args.epochs):
        loss = train_one_epoch(model, train_dl, optimizer, scaler, device, n_classes, args.clip_grad)
        sched.step()
        acc = validate(model, val_dl, device)
        _logger.info("epoch %d loss %.4f acc@1 %.4f lr %.2e", epoch, loss, acc, sched.get_last_lr()[0])
        torch.save({"model": model.state_dict(), scaler.state_dict_key: scaler.state_dict(), "epoch": epoch},
                   "checkpoint-last.pth")


if __name__ == "__main__":
    main()
