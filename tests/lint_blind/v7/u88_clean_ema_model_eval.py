# expect: clean
# style: timm-like training script with a ModelEma helper class, food image classification with argparse
# note: a deep-copied EMA model is kept in eval() and updated under no_grad, and evaluation uses eval() in the epoch loop, which looks like TVL004/TVL001, but the trained model is put back in train() at the top of every epoch and only the EMA copy stays in eval mode.
import argparse
import copy
import logging

import torch
import torch.nn as nn
import torch.nn.functional as F
from torch.utils.data import DataLoader, TensorDataset

_logger = logging.getLogger("train")


class ModelEma:
    def __init__(self, model, decay=0.999):
        self.module = copy.deepcopy(model).eval()
        self.decay = decay
        for p in self.module.parameters():
            p.requires_grad_(False)

    @torch.no_grad()
    def update(self, model):
        for ema_v, v in zip(self.module.state_dict().values(), model.state_dict().values()):
            if ema_v.dtype.is_floating_point:
                ema_v.mul_(self.decay).add_(v.detach(), alpha=1 - self.decay)
            else:
                ema_v.copy_(v)


class FoodNet(nn.Module):
    def __init__(self, n_classes=101, drop=0.2):
        super().__init__()
        self.stem = nn.Sequential(nn.Conv2d(3, 48, 3, 2, 1), nn.BatchNorm2d(48), nn.SiLU())
        self.blocks = nn.Sequential(
            nn.Conv2d(48, 96, 3, 2, 1), nn.BatchNorm2d(96), nn.SiLU(),
            nn.Conv2d(96, 192, 3, 2, 1), nn.BatchNorm2d(192), nn.SiLU(),
            nn.Conv2d(192, 384, 3, 2, 1), nn.BatchNorm2d(384), nn.SiLU(),
        )
        self.drop = nn.Dropout(drop)
        self.fc = nn.Linear(384, n_classes)

    def forward(self, x):
        return self.fc(self.drop(self.blocks(self.stem(x)).mean((2, 3))))


def validate(model, loader):
    model.eval()
    correct = n = 0
    with torch.no_grad():
        for x, y in loader:
            correct += (model(x).argmax(1) == y).sum().item()
            n += len(y)
    return correct / n


def train_one_epoch(epoch, model, loader, optimizer, model_ema, log_interval=20):
    model.train()
    for i, (x, y) in enumerate(loader):
        loss = F.cross_entropy(model(x), y, label_smoothing=0.1)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        model_ema.update(model)
        if i % log_interval == 0:
            _logger.info("Train: %d [%d/%d] loss %.4f lr %.3e", epoch, i, len(loader), loss.item(),
                         optimizer.param_groups[0]["lr"])


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--epochs", type=int, default=30)
    ap.add_argument("--lr", type=float, default=2e-3)
    ap.add_argument("--model-ema-decay", type=float, default=0.998)
    args = ap.parse_args()
    logging.basicConfig(level=logging.INFO)
    train_dl = DataLoader(TensorDataset(torch.rand(3000, 3, 64, 64), torch.randint(0, 101, (3000,))),
                          batch_size=64, shuffle=True, num_workers=4, drop_last=True)
    val_dl = DataLoader(TensorDataset(torch.rand(600, 3, 64, 64), torch.randint(0, 101, (600,))), batch_size=256)
    model = FoodNet()
    model_ema = ModelEma(model, args.model_ema_decay)
    optimizer = torch.optim.AdamW(model.parameters(), lr=args.lr, weight_decay=0.05)
    scheduler = torch.optim.lr_scheduler.CosineAnnealingLR(optimizer, T_max=args.epochs)
    best = 0.0
    for epoch in range(args.epochs):
        train_one_epoch(epoch, model, train_dl, optimizer, model_ema)
        scheduler.step()
        acc = validate(model, val_dl)
        ema_acc = validate(model_ema.module, val_dl)
        _logger.info("epoch %d top1 %.4f ema top1 %.4f", epoch, acc, ema_acc)
        if ema_acc > best:
            best = ema_acc
            torch.save(model_ema.module.state_dict(), "model_ema_best.pth")


if __name__ == "__main__":
    main()
