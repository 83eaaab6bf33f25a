# expect: clean
# style: transfer learning with a config-dict factory, frozen pretrained-like backbone, linear probe (vision)
# note: the optimizer only receives the head's parameters, which looks like TVL006, but freeze_module() sets requires_grad=False on every backbone parameter (and keeps its BN in eval), so no gradients are computed and dropped.
import argparse
import logging

import torch
import torch.nn as nn
import torch.nn.functional as F
from torch.utils.data import DataLoader, TensorDataset

log = logging.getLogger("probe")

PROBE_CFG = {"freeze_backbone": True, "lr": 0.1, "momentum": 0.9, "epochs": 15, "batch_size": 256}


def make_backbone():
    return nn.Sequential(
        nn.Conv2d(3, 32, 3, 2, 1), nn.BatchNorm2d(32), nn.ReLU(),
        nn.Conv2d(32, 64, 3, 2, 1), nn.BatchNorm2d(64), nn.ReLU(),
        nn.Conv2d(64, 128, 3, 2, 1), nn.BatchNorm2d(128), nn.ReLU(),
        nn.AdaptiveAvgPool2d(1), nn.Flatten(),
    )


def freeze_module(module):
    for p in module.parameters():
        p.requires_grad_(False)
    module.eval()
    return module


class LinearProbe(nn.Module):
    def __init__(self, backbone, n_classes, freeze):
        super().__init__()
        self.backbone = freeze_module(backbone) if freeze else backbone
        self.frozen = freeze
        self.head = nn.Linear(128, n_classes)

    def train(self, mode=True):
        super().train(mode)
        if self.frozen:
            self.backbone.eval()  # keep BN running stats fixed
        return self

    def forward(self, x):
        return self.head(self.backbone(x))


def build_optimizer(model, cfg):
    params = model.head.parameters() if cfg["freeze_backbone"] else model.parameters()
    return torch.optim.SGD(params, lr=cfg["lr"], momentum=cfg["momentum"], weight_decay=0.0)


def synthetic(n, seed, classes=10):
    g = torch.Generator().manual_seed(seed)
    y = torch.randint(0, classes, (n,), generator=g)
    x = torch.randn(n, 3, 32, 32, generator=g) + y.view(-1, 1, 1, 1).float() / 10
    return TensorDataset(x, y)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--backbone-weights", default=None, help="state dict produced by our own pretraining run")
    args = ap.parse_args()
    logging.basicConfig(level=logging.INFO)
    cfg = PROBE_CFG

    backbone = make_backbone()
    if args.backbone_weights:
        backbone.load_state_dict(torch.load(args.backbone_weights, map_location="cpu", weights_only=True))
    model = LinearProbe(backbone, 10, cfg["freeze_backbone"])
    opt = build_optimizer(model, cfg)
    sched = torch.optim.lr_scheduler.CosineAnnealingLR(opt, T_max=cfg["epochs"])
    n_trainable = sum(p.numel() for p in model.parameters() if p.requires_grad)
    log.info("trainable params: %d", n_trainable)

    train_dl = DataLoader(synthetic(8000, 0), batch_size=cfg["batch_size"], shuffle=True)
    val_dl = DataLoader(synthetic(1000, 1), batch_size=512)
    for epoch in range(cfg["epochs"]):
        model.train()
        tot = 0.0
        for x, y in train_dl:
            loss = F.cross_entropy(model(x), y)
            opt.zero_grad()
            loss.backward()
            opt.step()
            tot += loss.item()
        sched.step()
        model.eval()
        with torch.no_grad():
            acc = sum((model(x).argmax(1) == y).sum().item() for x, y in val_dl) / len(val_dl.dataset)
        log.info("epoch %d loss %.4f acc %.4f", epoch, tot / len(train_dl), acc)


if __name__ == "__main__":
    main()
