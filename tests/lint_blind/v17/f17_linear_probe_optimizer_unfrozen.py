# expect: TVL006
# style: dataclass config + build_optimizer factory, transfer learning on satellite tiles
# bug: with cfg.head_only=True build_optimizer() passes only model.head parameters, but the backbone is never frozen (freeze_backbone defaults to False), so backbone gradients are computed every step and never applied.
import logging
import os
from dataclasses import dataclass, field

import torch
import torch.nn as nn
import torch.nn.functional as F
from torch.utils.data import DataLoader, TensorDataset

logger = logging.getLogger("probe")


@dataclass
class Config:
    n_classes: int = 10
    width: int = 64
    epochs: int = 15
    batch_size: int = 64
    lr: float = 1e-2
    head_only: bool = True
    freeze_backbone: bool = False
    pretrained: str = ""
    out_dir: str = "runs/eurosat_probe"
    betas: tuple = field(default=(0.9, 0.999))


class Backbone(nn.Module):
    def __init__(self, width):
        super().__init__()
        chans = [13, width, width * 2, width * 4]
        layers = []
        for a, b in zip(chans[:-1], chans[1:]):
            layers += [nn.Conv2d(a, b, 3, padding=1), nn.BatchNorm2d(b), nn.ReLU(), nn.MaxPool2d(2)]
        self.body = nn.Sequential(*layers)
        self.out_dim = chans[-1]

    def forward(self, x):
        return F.adaptive_avg_pool2d(self.body(x), 1).flatten(1)


class Classifier(nn.Module):
    def __init__(self, cfg):
        super().__init__()
        self.backbone = Backbone(cfg.width)
        self.head = nn.Linear(self.backbone.out_dim, cfg.n_classes)

    def forward(self, x):
        return self.head(self.backbone(x))


def maybe_freeze(model, cfg):
    if cfg.freeze_backbone:
        for p in model.backbone.parameters():
            p.requires_grad_(False)
        logger.info("backbone frozen")


def build_optimizer(model, cfg):
    params = model.head.parameters() if cfg.head_only else model.parameters()
    return torch.optim.SGD(params, lr=cfg.lr, momentum=0.9, nesterov=True)


def make_data(n, seed):
    g = torch.Generator().manual_seed(seed)
    return TensorDataset(torch.randn(n, 13, 64, 64, generator=g), torch.randint(0, 10, (n,), generator=g))


def train(cfg):
    model = Classifier(cfg)
    maybe_freeze(model, cfg)
    opt = build_optimizer(model, cfg)
    sched = torch.optim.lr_scheduler.MultiStepLR(opt, milestones=[8, 12], gamma=0.1)
    train_dl = DataLoader(make_data(4000, 0), batch_size=cfg.batch_size, shuffle=True, num_workers=2)
    val_dl = DataLoader(make_data(800, 1), batch_size=256)
    os.makedirs(cfg.out_dir, exist_ok=True)
    best = 0.0
    for epoch in range(cfg.epochs):
        model.train()
        tot = 0.0
        for x, y in train_dl:
            opt.zero_grad()
            loss = F.cross_entropy(model(x), y)
            loss.backward()
            opt.step()
            tot += loss.item()
        sched.step()
        model.eval()
        correct = 0
        with torch.no_grad():
            for x, y in val_dl:
                correct += (model(x).argmax(1) == y).sum().item()
        acc = correct / len(val_dl.dataset)
        logger.info("epoch %d loss %.4f val_acc %.4f", epoch, tot / len(train_dl), acc)
        if acc > best:
            best = acc
            torch.save(model.state_dict(), os.path.join(cfg.out_dir, "best.pt"))
    return best


if __name__ == "__main__":
    logging.basicConfig(level=logging.INFO)
    print("best", train(Config()))
