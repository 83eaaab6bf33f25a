# expect: clean
# style: detectron2-ish cfg + build_optimizer factory, linear probing of a pretrained encoder on medical image patches
# note: build_optimizer passes only model.head.parameters() (looks like TVL006), but the backbone is frozen beforehand with requires_grad_(False) and kept in eval mode, so no gradients are computed for it
import argparse
import logging
from types import SimpleNamespace

import torch
import torch.nn as nn
import torch.nn.functional as F
from torch.utils.data import DataLoader, TensorDataset

logger = logging.getLogger("linear_probe")
logging.basicConfig(level=logging.INFO)


def get_cfg():
    return SimpleNamespace(
        MODEL=SimpleNamespace(NUM_CLASSES=9, WIDTH=48, FREEZE_BACKBONE=True),
        SOLVER=SimpleNamespace(BASE_LR=0.1, MOMENTUM=0.9, WEIGHT_DECAY=0.0, MAX_EPOCHS=30, BATCH=128),
    )


class Encoder(nn.Module):
    def __init__(self, w):
        super().__init__()
        self.net = nn.Sequential(
            nn.Conv2d(3, w, 3, 2, 1, bias=False), nn.BatchNorm2d(w), nn.ReLU(),
            nn.Conv2d(w, 2 * w, 3, 2, 1, bias=False), nn.BatchNorm2d(2 * w), nn.ReLU(),
            nn.Conv2d(2 * w, 4 * w, 3, 2, 1, bias=False), nn.BatchNorm2d(4 * w), nn.ReLU(),
            nn.AdaptiveAvgPool2d(1), nn.Flatten())
        self.out_dim = 4 * w

    def forward(self, x):
        return self.net(x)


class LinearProbe(nn.Module):
    def __init__(self, cfg):
        super().__init__()
        self.backbone = Encoder(cfg.MODEL.WIDTH)
        self.head = nn.Linear(self.backbone.out_dim, cfg.MODEL.NUM_CLASSES)
        if cfg.MODEL.FREEZE_BACKBONE:
            self.backbone.requires_grad_(False)

    def train(self, mode=True):
        super().train(mode)
        self.backbone.eval()  # frozen BN statistics
        return self

    def forward(self, x):
        return self.head(self.backbone(x))


def build_optimizer(cfg, model):
    params = model.head.parameters() if cfg.MODEL.FREEZE_BACKBONE else model.parameters()
    return torch.optim.SGD(params, lr=cfg.SOLVER.BASE_LR, momentum=cfg.SOLVER.MOMENTUM,
                           weight_decay=cfg.SOLVER.WEIGHT_DECAY)


@torch.no_grad()
def evaluate(model, loader, device):
    model.eval()
    hit = n = 0
    for x, y in loader:
        hit += (model(x.to(device)).argmax(1).cpu() == y).sum().item()
        n += y.numel()
    return hit / n


def do_train(cfg, model, train_loader, val_loader, device):
    optimizer = build_optimizer(cfg, model)
    scheduler = torch.optim.lr_scheduler.CosineAnnealingLR(optimizer, T_max=cfg.SOLVER.MAX_EPOCHS)
    for epoch in range(cfg.SOLVER.MAX_EPOCHS):
        model.train()
        total = 0.0
        for x, y in train_loader:
            x, y = x.to(device), y.to(device)
            loss = F.cross_entropy(model(x), y)
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
            total += loss.item()
        scheduler.step()
        logger.info("epoch %d loss %.4f val_acc %.4f", epoch, total / len(train_loader),
                    evaluate(model, val_loader, device))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--pretrained", default="", help="(ignored in this synthetic demo)")
    ap.parse_args()
    cfg = get_cfg()
    device = "cuda" if torch.cuda.is_available() else "cpu"
    x = torch.randn(5000, 3, 64, 64)
    y = torch.randint(0, cfg.MODEL.NUM_CLASSES, (5000,))
    train_loader = DataLoader(TensorDataset(x[:4000], y[:4000]), batch_size=cfg.SOLVER.BATCH, shuffle=True)
    val_loader = DataLoader(TensorDataset(x[4000:], y[4000:]), batch_size=512)
    model = LinearProbe(cfg).to(device)
    do_train(cfg, model, train_loader, val_loader, device)
    torch.save(model.head.state_dict(), "linear_head.pth")


if __name__ == "__main__":
    main()
