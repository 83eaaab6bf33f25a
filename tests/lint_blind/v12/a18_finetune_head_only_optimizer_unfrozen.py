# expect: TVL006
# style: timm-like fine-tuning script, YAML-ish config object, optimizer factory
# bug: build_optimizer() always takes model.head.parameters(), but the backbone is frozen only when cfg.freeze_backbone is set and the shipped config has it False, so the backbone gets gradients that are never applied
import argparse
import logging
import types

import torch
import torch.nn as nn
import torch.nn.functional as F
from torch.utils.data import DataLoader, TensorDataset

_logger = logging.getLogger("finetune")

DEFAULT_CFG = """
model: convnext_nano
num_classes: 37
freeze_backbone: false
lr: 5e-4
weight_decay: 0.05
epochs: 12
batch_size: 48
"""


def parse_cfg(text):
    cfg = {}
    for line in text.strip().splitlines():
        k, v = [s.strip() for s in line.split(":", 1)]
        if v.lower() in ("true", "false"):
            v = v.lower() == "true"
        else:
            try:
                v = int(v)
            except ValueError:
                try:
                    v = float(v)
                except ValueError:
                    pass
        cfg[k] = v
    return types.SimpleNamespace(**cfg)


class ConvNeXtNano(nn.Module):
    def __init__(self, num_classes, dims=(48, 96, 192, 384)):
        super().__init__()
        stages, cin = [], 3
        for i, d in enumerate(dims):
            stages.append(nn.Sequential(
                nn.Conv2d(cin, d, 4 if i == 0 else 2, stride=4 if i == 0 else 2),
                nn.GroupNorm(1, d),
                nn.Conv2d(d, d, 7, padding=3, groups=d), nn.GroupNorm(1, d),
                nn.Conv2d(d, 4 * d, 1), nn.GELU(), nn.Conv2d(4 * d, d, 1),
            ))
            cin = d
        self.backbone = nn.Sequential(*stages)
        self.head = nn.Sequential(nn.AdaptiveAvgPool2d(1), nn.Flatten(), nn.LayerNorm(dims[-1]), nn.Linear(dims[-1], num_classes))

    def forward(self, x):
        return self.head(self.backbone(x))


def freeze(module):
    for p in module.parameters():
        p.requires_grad_(False)


def build_model(cfg):
    model = ConvNeXtNano(cfg.num_classes)
    if cfg.freeze_backbone:
        freeze(model.backbone)
        _logger.info("backbone frozen")
    return model


def build_optimizer(model, cfg):
    # fine-tuning: only the classifier head is optimised
    decay, no_decay = [], []
    for name, p in model.head.named_parameters():
        (no_decay if p.ndim <= 1 else decay).append(p)
    return torch.optim.AdamW([
        {"params": decay, "weight_decay": cfg.weight_decay},
        {"params": no_decay, "weight_decay": 0.0},
    ], lr=cfg.lr)


def pets(n, num_classes):
    return TensorDataset(torch.randn(n, 3, 128, 128), torch.randint(0, num_classes, (n,)))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--config", default=None, help="path to a yaml config")
    args = ap.parse_args()
    text = open(args.config).read() if args.config else DEFAULT_CFG
    cfg = parse_cfg(text)
    logging.basicConfig(level=logging.INFO)

    model = build_model(cfg)
    optimizer = build_optimizer(model, cfg)
    scheduler = torch.optim.lr_scheduler.CosineAnnealingLR(optimizer, T_max=cfg.epochs)
    train_dl = DataLoader(pets(1200, cfg.num_classes), batch_size=cfg.batch_size, shuffle=True, drop_last=True)
    val_dl = DataLoader(pets(300, cfg.num_classes), batch_size=96)

    for epoch in range(cfg.epochs):
        model.train()
        seen, loss_sum = 0, 0.0
        for x, y in train_dl:
            loss = F.cross_entropy(model(x), y, label_smoothing=0.1)
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
            loss_sum += loss.item() * len(y)
            seen += len(y)
        scheduler.step()
        model.eval()
        correct = 0
        with torch.no_grad():
            for x, y in val_dl:
                correct += (model(x).argmax(-1) == y).sum().item()
        _logger.info("epoch %d loss %.4f top1 %.3f lr %.2e", epoch, loss_sum / seen,
                     correct / len(val_dl.dataset), scheduler.get_last_lr()[0])


if __name__ == "__main__":
    main()
