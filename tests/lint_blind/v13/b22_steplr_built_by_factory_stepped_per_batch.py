# expect: TVL007
# style: research repo with build_scheduler() factory from a YAML-like config, audio event classification
# bug: build_scheduler makes a StepLR whose step_size is in epochs (30), but train_one_epoch steps the scheduler after every batch
import argparse
import logging
import math

import torch
import torch.nn as nn
import torch.nn.functional as F
from torch.utils.data import DataLoader, TensorDataset

logger = logging.getLogger("audioset")

CONFIG = {
    "model": {"n_mels": 64, "channels": [32, 64, 128], "n_classes": 50},
    "optim": {"name": "sgd", "lr": 0.05, "momentum": 0.9, "wd": 1e-4},
    "sched": {"name": "step", "step_size": 30, "gamma": 0.1},
    "train": {"epochs": 90, "batch_size": 64},
}


class CNN14Lite(nn.Module):
    def __init__(self, n_mels, channels, n_classes):
        super().__init__()
        layers, cin = [], 1
        for c in channels:
            layers += [nn.Conv2d(cin, c, 3, padding=1), nn.BatchNorm2d(c), nn.ReLU(), nn.AvgPool2d(2)]
            cin = c
        self.features = nn.Sequential(*layers)
        self.fc = nn.Linear(cin, n_classes)

    def forward(self, spec):
        h = self.features(spec.unsqueeze(1))
        return self.fc(h.mean(-1).max(-1).values)


def build_optimizer(model, cfg):
    if cfg["name"] == "sgd":
        return torch.optim.SGD(model.parameters(), lr=cfg["lr"], momentum=cfg["momentum"], weight_decay=cfg["wd"])
    return torch.optim.AdamW(model.parameters(), lr=cfg["lr"], weight_decay=cfg["wd"])


def build_scheduler(optimizer, cfg):
    if cfg["name"] == "step":
        return torch.optim.lr_scheduler.StepLR(optimizer, step_size=cfg["step_size"], gamma=cfg["gamma"])
    if cfg["name"] == "multistep":
        return torch.optim.lr_scheduler.MultiStepLR(optimizer, milestones=cfg["milestones"], gamma=cfg["gamma"])
    raise ValueError(cfg["name"])


def train_one_epoch(model, loader, optimizer, scheduler, device):
    model.train()
    total = 0.0
    for spec, target in loader:
        spec, target = spec.to(device), target.to(device)
        logits = model(spec)
        loss = F.cross_entropy(logits, target)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        scheduler.step()
        total += loss.item()
    return total / len(loader)


@torch.no_grad()
def evaluate(model, loader, device):
    model.eval()
    correct = 0
    for spec, target in loader:
        correct += (model(spec.to(device)).argmax(-1).cpu() == target).sum().item()
    return correct / len(loader.dataset)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--epochs", type=int, default=None)
    args = ap.parse_args()
    cfg = CONFIG
    if args.epochs:
        cfg["train"]["epochs"] = args.epochs
    logging.basicConfig(level=logging.INFO)
    dev = torch.device("cuda" if torch.cuda.is_available() else "cpu")

    train_ds = TensorDataset(torch.randn(2000, 64, 128), torch.randint(0, 50, (2000,)))
    val_ds = TensorDataset(torch.randn(400, 64, 128), torch.randint(0, 50, (400,)))
    train_dl = DataLoader(train_ds, batch_size=cfg["train"]["batch_size"], shuffle=True, drop_last=True)
    val_dl = DataLoader(val_ds, batch_size=128)

    model = CNN14Lite(**cfg["model"]).to(dev)
    optimizer = build_optimizer(model, cfg["optim"])
    scheduler = build_scheduler(optimizer, cfg["sched"])

    for epoch in range(cfg["train"]["epochs"]):
        loss = train_one_epoch(model, train_dl, optimizer, scheduler, dev)
        acc = evaluate(model, val_dl, dev)
        lr = optimizer.param_groups[0]["lr"]
        logger.info("epoch %d loss %.4f acc %.4f lr %.2e", epoch, loss, acc, lr)
        if math.isnan(loss):
            break


if __name__ == "__main__":
    main()
