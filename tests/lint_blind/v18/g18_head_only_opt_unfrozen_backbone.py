# expect: TVL006
# style: timm-like fine-tuning script with a param-group factory driven by a config dict (vision)
# bug: with finetune="linear" build_param_groups() returns only the classifier's parameters, but nothing freezes the backbone (requires_grad stays True), so backbone gradients are computed every step and never applied.
import argparse
import logging
import time

import torch
import torch.nn as nn
import torch.nn.functional as F
from torch.utils.data import DataLoader, TensorDataset

_logger = logging.getLogger("finetune")

CONFIGS = {
    "linear": {"finetune": "linear", "lr": 1e-2, "wd": 0.0, "epochs": 10},
    "full": {"finetune": "full", "lr": 1e-3, "wd": 0.05, "epochs": 10},
}


class ConvNeXtBlock(nn.Module):
    def __init__(self, dim):
        super().__init__()
        self.dw = nn.Conv2d(dim, dim, 7, padding=3, groups=dim)
        self.norm = nn.GroupNorm(1, dim)
        self.pw1 = nn.Conv2d(dim, dim * 4, 1)
        self.pw2 = nn.Conv2d(dim * 4, dim, 1)

    def forward(self, x):
        return x + self.pw2(F.gelu(self.pw1(self.norm(self.dw(x)))))


class TinyConvNeXt(nn.Module):
    def __init__(self, num_classes=1000, dims=(32, 64, 128)):
        super().__init__()
        layers, c_in = [], 3
        for d in dims:
            layers += [nn.Conv2d(c_in, d, 2, stride=2), ConvNeXtBlock(d)]
            c_in = d
        self.backbone = nn.Sequential(*layers)
        self.head = nn.Linear(dims[-1], num_classes)

    def forward_features(self, x):
        return self.backbone(x).mean((2, 3))

    def forward(self, x):
        return self.head(self.forward_features(x))

    def reset_classifier(self, num_classes):
        self.head = nn.Linear(self.head.in_features, num_classes)


def build_param_groups(model, cfg):
    if cfg["finetune"] == "linear":
        return [{"params": model.head.parameters(), "weight_decay": cfg["wd"]}]
    decay, no_decay = [], []
    for name, p in model.named_parameters():
        (no_decay if p.ndim <= 1 else decay).append(p)
    return [{"params": decay, "weight_decay": cfg["wd"]}, {"params": no_decay, "weight_decay": 0.0}]


def build_optimizer(model, cfg):
    return torch.optim.SGD(build_param_groups(model, cfg), lr=cfg["lr"], momentum=0.9)


def synthetic_split(n, classes, seed):
    g = torch.Generator().manual_seed(seed)
    y = torch.randint(0, classes, (n,), generator=g)
    x = torch.randn(n, 3, 64, 64, generator=g) + y.view(-1, 1, 1, 1).float() * 0.1
    return TensorDataset(x, y)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--config", default="linear", choices=list(CONFIGS))
    ap.add_argument("--num-classes", type=int, default=20)
    args = ap.parse_args()
    cfg = CONFIGS[args.config]
    logging.basicConfig(level=logging.INFO)

    model = TinyConvNeXt()
    model.reset_classifier(args.num_classes)
    optimizer = build_optimizer(model, cfg)
    train_loader = DataLoader(synthetic_split(4000, args.num_classes, 0), batch_size=64, shuffle=True)
    val_loader = DataLoader(synthetic_split(800, args.num_classes, 1), batch_size=128)

    for epoch in range(cfg["epochs"]):
        model.train()
        t0, seen, loss_sum = time.time(), 0, 0.0
        for x, y in train_loader:
            loss = F.cross_entropy(model(x), y)
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
            loss_sum += loss.item() * x.size(0)
            seen += x.size(0)
        model.eval()
        correct = 0
        with torch.no_grad():
            for x, y in val_loader:
                correct += (model(x).argmax(1) == y).sum().item()
        _logger.info("epoch %d loss %.4f top1 %.2f %.0f img/s", epoch, loss_sum / seen,
                     100 * correct / len(val_loader.dataset), seen / (time.time() - t0))


if __name__ == "__main__":
    main()
