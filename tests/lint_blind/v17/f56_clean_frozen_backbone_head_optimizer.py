# expect: clean
# style: dataclass config + factories, linear-probe transfer learning on medical image patches
# note: the optimizer only receives the head's parameters, which looks like a partial optimizer, but freeze_backbone() sets requires_grad=False on every backbone parameter (and keeps its BN in eval), so nothing trainable is left out.
import logging
import os
from dataclasses import dataclass

import torch
import torch.nn as nn
import torch.nn.functional as F
from torch.utils.data import DataLoader, TensorDataset

log = logging.getLogger("probe")


@dataclass
class ProbeConfig:
    n_classes: int = 9
    width: int = 48
    epochs: int = 12
    batch_size: int = 128
    lr: float = 0.1
    out_dir: str = "runs/patch_probe"


class Backbone(nn.Module):
    def __init__(self, width):
        super().__init__()
        c = [3, width, width * 2, width * 4]
        self.body = nn.Sequential(*[nn.Sequential(nn.Conv2d(a, b, 3, padding=1), nn.BatchNorm2d(b), nn.ReLU(), nn.MaxPool2d(2))
                                    for a, b in zip(c[:-1], c[1:])])
        self.out_dim = c[-1]

    def forward(self, x):
        return F.adaptive_avg_pool2d(self.body(x), 1).flatten(1)


class LinearProbe(nn.Module):
    def __init__(self, cfg):
        super().__init__()
        self.backbone = Backbone(cfg.width)
        self.head = nn.Linear(self.backbone.out_dim, cfg.n_classes)

    def train(self, mode=True):
        super().train(mode)
        self.backbone.eval()  # frozen features: keep BN statistics fixed
        return self

    def forward(self, x):
        with torch.no_grad():
            feats = self.backbone(x)
        return self.head(feats)


def freeze_backbone(model):
    for p in model.backbone.parameters():
        p.requires_grad_(False)
    n_train = sum(p.numel() for p in model.parameters() if p.requires_grad)
    log.info("trainable params after freezing: %d", n_train)


def build_optimizer(model, cfg):
    return torch.optim.SGD(model.head.parameters(), lr=cfg.lr, momentum=0.9, weight_decay=0.0)


def data(n, seed):
    g = torch.Generator().manual_seed(seed)
    return TensorDataset(torch.randn(n, 3, 64, 64, generator=g), torch.randint(0, 9, (n,), generator=g))


def run(cfg):
    model = LinearProbe(cfg)
    freeze_backbone(model)
    opt = build_optimizer(model, cfg)
    sched = torch.optim.lr_scheduler.CosineAnnealingLR(opt, T_max=cfg.epochs)
    train_dl = DataLoader(data(5000, 0), batch_size=cfg.batch_size, shuffle=True)
    val_dl = DataLoader(data(1000, 1), batch_size=512)
    os.makedirs(cfg.out_dir, exist_ok=True)
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
        log.info("epoch %d loss %.4f acc %.4f", epoch, tot / len(train_dl), correct / len(val_dl.dataset))
    torch.save(model.head.state_dict(), os.path.join(cfg.out_dir, "head.pt"))


if __name__ == "__main__":
    logging.basicConfig(level=logging.INFO)
    run(ProbeConfig())
