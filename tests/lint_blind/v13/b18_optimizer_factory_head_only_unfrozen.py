# expect: TVL006
# style: timm-like fine-tuning script with a config-driven optimizer factory, image classification
# bug: the config selects param_scope="head" so build_optimizer only optimises the classifier, but the backbone is never frozen (freeze_backbone defaults to False) and still gets gradients that are never applied
import argparse
import logging
from dataclasses import dataclass

import torch
import torch.nn as nn
import torch.nn.functional as F
from torch.utils.data import DataLoader, TensorDataset

_logger = logging.getLogger("finetune")


@dataclass
class FTConfig:
    n_classes: int = 37
    lr: float = 3e-3
    weight_decay: float = 1e-4
    epochs: int = 8
    batch_size: int = 48
    param_scope: str = "head"        # "all" | "head"
    freeze_backbone: bool = False
    label_smoothing: float = 0.1


class ConvBackbone(nn.Module):
    def __init__(self, width=64):
        super().__init__()
        chans = [3, width, width * 2, width * 4]
        layers = []
        for cin, cout in zip(chans[:-1], chans[1:]):
            layers += [nn.Conv2d(cin, cout, 3, stride=2, padding=1, bias=False), nn.BatchNorm2d(cout), nn.SiLU()]
        self.features = nn.Sequential(*layers)
        self.num_features = chans[-1]

    def forward(self, x):
        return F.adaptive_avg_pool2d(self.features(x), 1).flatten(1)


class Classifier(nn.Module):
    def __init__(self, n_classes):
        super().__init__()
        self.backbone = ConvBackbone()
        self.head = nn.Sequential(nn.Dropout(0.2), nn.Linear(self.backbone.num_features, n_classes))

    def forward(self, x):
        return self.head(self.backbone(x))


def maybe_freeze(model, cfg):
    if cfg.freeze_backbone:
        for p in model.backbone.parameters():
            p.requires_grad = False
        _logger.info("backbone frozen")


def build_optimizer(model, cfg):
    params = model.head.parameters() if cfg.param_scope == "head" else model.parameters()
    return torch.optim.SGD(params, lr=cfg.lr, momentum=0.9, weight_decay=cfg.weight_decay, nesterov=True)


def pets_like(n, n_classes, seed):
    g = torch.Generator().manual_seed(seed)
    return TensorDataset(torch.randn(n, 3, 64, 64, generator=g), torch.randint(0, n_classes, (n,), generator=g))


def train_one_epoch(model, loader, opt, cfg, device):
    model.train()
    tot, n = 0.0, 0
    for x, y in loader:
        x, y = x.to(device), y.to(device)
        opt.zero_grad()
        loss = F.cross_entropy(model(x), y, label_smoothing=cfg.label_smoothing)
        loss.backward()
        opt.step()
        tot += loss.item() * y.numel()
        n += y.numel()
    return tot / n


@torch.no_grad()
def validate(model, loader, device):
    model.eval()
    c = 0
    for x, y in loader:
        c += (model(x.to(device)).argmax(1).cpu() == y).sum().item()
    return c / len(loader.dataset)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--pretrained", default="", help="unused in this synthetic run")
    ap.add_argument("--scope", default="head", choices=["all", "head"])
    ap.add_argument("--epochs", type=int, default=8)
    args = ap.parse_args()
    logging.basicConfig(level=logging.INFO)
    cfg = FTConfig(param_scope=args.scope, epochs=args.epochs)
    dev = torch.device("cuda" if torch.cuda.is_available() else "cpu")
    model = Classifier(cfg.n_classes).to(dev)
    maybe_freeze(model, cfg)
    opt = build_optimizer(model, cfg)
    tr = DataLoader(pets_like(3000, cfg.n_classes, 0), batch_size=cfg.batch_size, shuffle=True, drop_last=True)
    va = DataLoader(pets_like(600, cfg.n_classes, 1), batch_size=128)
    for ep in range(cfg.epochs):
        loss = train_one_epoch(model, tr, opt, cfg, dev)
        acc = validate(model, va, dev)
        _logger.info("epoch %d loss %.4f acc %.4f", ep, loss, acc)
    torch.save(model.state_dict(), "ft_last.pt")


if __name__ == "__main__":
    main()
