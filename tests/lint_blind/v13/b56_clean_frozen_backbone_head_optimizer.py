# expect: clean
# style: linear-probe / transfer learning with a config-driven freeze helper, image classification
# note: the optimizer only receives head parameters, but freeze_module() sets requires_grad=False on the whole backbone and keeps it in eval mode first
import argparse
import logging
from dataclasses import dataclass

import torch
import torch.nn as nn
import torch.nn.functional as F
from torch.utils.data import DataLoader, TensorDataset

logger = logging.getLogger("probe")


@dataclass
class ProbeConfig:
    n_classes: int = 100
    lr: float = 0.1
    epochs: int = 10
    bs: int = 128
    freeze: bool = True


class Backbone(nn.Module):
    def __init__(self):
        super().__init__()
        self.net = nn.Sequential(
            nn.Conv2d(3, 64, 3, 2, 1), nn.BatchNorm2d(64), nn.ReLU(),
            nn.Conv2d(64, 128, 3, 2, 1), nn.BatchNorm2d(128), nn.ReLU(),
            nn.Conv2d(128, 256, 3, 2, 1), nn.BatchNorm2d(256), nn.ReLU(),
            nn.AdaptiveAvgPool2d(1), nn.Flatten())
        self.out_dim = 256

    def forward(self, x):
        return self.net(x)


class ProbeModel(nn.Module):
    def __init__(self, n_classes):
        super().__init__()
        self.backbone = Backbone()
        self.head = nn.Linear(self.backbone.out_dim, n_classes)

    def forward(self, x):
        return self.head(self.backbone(x))

    def train(self, mode=True):
        super().train(mode)
        if getattr(self, "_backbone_frozen", False):
            self.backbone.eval()
        return self


def freeze_module(module):
    for p in module.parameters():
        p.requires_grad_(False)
    module.eval()


def build_optimizer(model, cfg):
    params = [p for p in model.parameters() if p.requires_grad]
    logger.info("optimizing %d tensors (%d params)", len(params), sum(p.numel() for p in params))
    return torch.optim.SGD(params, lr=cfg.lr, momentum=0.9, weight_decay=0.0)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--epochs", type=int, default=10)
    args = ap.parse_args()
    logging.basicConfig(level=logging.INFO)
    cfg = ProbeConfig(epochs=args.epochs)
    dev = torch.device("cuda" if torch.cuda.is_available() else "cpu")
    model = ProbeModel(cfg.n_classes)
    if cfg.freeze:
        freeze_module(model.backbone)
        model._backbone_frozen = True
    model.to(dev)
    opt = build_optimizer(model, cfg)
    sched = torch.optim.lr_scheduler.CosineAnnealingLR(opt, T_max=cfg.epochs)
    data = TensorDataset(torch.randn(6000, 3, 32, 32), torch.randint(0, cfg.n_classes, (6000,)))
    train_dl = DataLoader(torch.utils.data.Subset(data, range(5000)), batch_size=cfg.bs, shuffle=True)
    val_dl = DataLoader(torch.utils.data.Subset(data, range(5000, 6000)), batch_size=512)
    for ep in range(cfg.epochs):
        model.train()
        for x, y in train_dl:
            x, y = x.to(dev), y.to(dev)
            loss = F.cross_entropy(model(x), y)
            opt.zero_grad()
            loss.backward()
            opt.step()
        sched.step()
        model.eval()
        with torch.no_grad():
            acc = sum((model(x.to(dev)).argmax(1).cpu() == y).sum().item() for x, y in val_dl) / 1000
        logger.info("epoch %d loss %.4f acc %.4f lr %.4f", ep, loss.item(), acc, sched.get_last_lr()[0])
    torch.save(model.head.state_dict(), "linear_probe_head.pt")


if __name__ == "__main__":
    main()
