# expect: TVL006
# style: timm-like fine-tuning script driven by a config dict, build_optimizer()/maybe_freeze() factories
# bug: with the default config build_optimizer() selects only the classifier's parameters ("head" mode) while maybe_freeze() only freezes when freeze_backbone is True (default False), so backbone gradients are computed every step and never applied
import argparse
import copy
import logging
import os

import torch
import torch.nn as nn
import torch.nn.functional as F
from torch.utils.data import DataLoader, TensorDataset

_logger = logging.getLogger("train")

DEFAULT_CFG = {
    "model": {"width": 64, "num_classes": 37, "drop_rate": 0.2},
    "optim": {"name": "sgd", "lr": 0.03, "momentum": 0.9, "weight_decay": 0.0, "train_params": "head"},
    "freeze_backbone": False,
    "epochs": 10,
    "batch_size": 64,
    "output": "output/pets_probe",
}


class ConvNet(nn.Module):
    def __init__(self, width, num_classes, drop_rate):
        super().__init__()
        w = width
        self.stem = nn.Sequential(nn.Conv2d(3, w, 3, 2, 1, bias=False), nn.BatchNorm2d(w), nn.SiLU())
        self.stages = nn.Sequential(
            nn.Conv2d(w, 2 * w, 3, 2, 1, bias=False), nn.BatchNorm2d(2 * w), nn.SiLU(),
            nn.Conv2d(2 * w, 4 * w, 3, 2, 1, bias=False), nn.BatchNorm2d(4 * w), nn.SiLU(),
        )
        self.num_features = 4 * w
        self.drop = nn.Dropout(drop_rate)
        self.classifier = nn.Linear(self.num_features, num_classes)

    def forward_features(self, x):
        return self.stages(self.stem(x))

    def forward_head(self, x):
        x = F.adaptive_avg_pool2d(x, 1).flatten(1)
        return self.classifier(self.drop(x))

    def forward(self, x):
        return self.forward_head(self.forward_features(x))


def create_model(cfg):
    return ConvNet(**cfg["model"])


def maybe_freeze(model, cfg):
    if cfg.get("freeze_backbone", False):
        for name, p in model.named_parameters():
            if not name.startswith("classifier"):
                p.requires_grad_(False)
        _logger.info("backbone frozen")


def build_optimizer(model, ocfg):
    if ocfg.get("train_params", "all") == "head":
        params = model.classifier.parameters()
    else:
        params = model.parameters()
    if ocfg["name"] == "sgd":
        return torch.optim.SGD(params, lr=ocfg["lr"], momentum=ocfg["momentum"], weight_decay=ocfg["weight_decay"])
    return torch.optim.AdamW(params, lr=ocfg["lr"], weight_decay=ocfg["weight_decay"])


def validate(model, loader):
    model.eval()
    top1, n, loss_sum = 0, 0, 0.0
    with torch.no_grad():
        for x, y in loader:
            out = model(x)
            loss_sum += F.cross_entropy(out, y, reduction="sum").item()
            top1 += (out.argmax(1) == y).sum().item()
            n += y.numel()
    return {"loss": loss_sum / n, "top1": 100.0 * top1 / n}


def train_one_epoch(model, loader, optimizer, epoch):
    model.train()
    for i, (x, y) in enumerate(loader):
        loss = F.cross_entropy(model(x), y, label_smoothing=0.1)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        if i % 20 == 0:
            _logger.info("Train: %d [%d/%d] loss %.4f", epoch, i, len(loader), loss.item())


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--lr", type=float, default=None)
    parser.add_argument("--epochs", type=int, default=None)
    args = parser.parse_args()
    cfg = copy.deepcopy(DEFAULT_CFG)
    if args.lr is not None:
        cfg["optim"]["lr"] = args.lr
    if args.epochs is not None:
        cfg["epochs"] = args.epochs
    logging.basicConfig(level=logging.INFO)
    os.makedirs(cfg["output"], exist_ok=True)

    x = torch.randn(3000, 3, 64, 64)
    y = torch.randint(0, 37, (3000,))
    train_dl = DataLoader(TensorDataset(x[:2500], y[:2500]), batch_size=cfg["batch_size"], shuffle=True, drop_last=True)
    val_dl = DataLoader(TensorDataset(x[2500:], y[2500:]), batch_size=128)

    model = create_model(cfg)
    maybe_freeze(model, cfg)
    optimizer = build_optimizer(model, cfg["optim"])
    best = 0.0
    for epoch in range(cfg["epochs"]):
        train_one_epoch(model, train_dl, optimizer, epoch)
        metrics = validate(model, val_dl)
        _logger.info("epoch %d %s", epoch, metrics)
        if metrics["top1"] > best:
            best = metrics["top1"]
            torch.save(model.state_dict(), os.path.join(cfg["output"], "model_best.pth"))


if __name__ == "__main__":
    main()
