# expect: TVL007
# style: detection-style config dict + factory functions, object-counting regression on images, train_one_epoch helper
# bug: build_scheduler() makes a MultiStepLR with milestones given in epochs ([30, 45]), but train_one_epoch() calls lr_scheduler.step() after every iteration, so the LR drops after 30 iterations
import argparse
import logging
import os
import time

import torch
import torch.nn as nn
from torch.utils.data import DataLoader, TensorDataset

logger = logging.getLogger("counting")

CFG = {
    "model": {"width": 32, "depth": 4},
    "solver": {
        "base_lr": 0.02,
        "momentum": 0.9,
        "weight_decay": 1e-4,
        "scheduler": {"name": "multistep", "milestones": [30, 45], "gamma": 0.1},
        "max_epochs": 50,
    },
    "data": {"batch_size": 16, "num_workers": 2},
    "output_dir": "output/counting",
}


class DensityNet(nn.Module):
    def __init__(self, width, depth):
        super().__init__()
        layers, c = [], 3
        for d in range(depth):
            layers += [nn.Conv2d(c, width * 2 ** d, 3, padding=1), nn.ReLU(inplace=True)]
            if d < depth - 1:
                layers.append(nn.MaxPool2d(2))
            c = width * 2 ** d
        self.features = nn.Sequential(*layers)
        self.density = nn.Conv2d(c, 1, 1)

    def forward(self, x):
        return torch.relu(self.density(self.features(x)))


def build_model(cfg):
    return DensityNet(**cfg["model"])


def build_optimizer(cfg, model):
    s = cfg["solver"]
    return torch.optim.SGD(model.parameters(), lr=s["base_lr"], momentum=s["momentum"], weight_decay=s["weight_decay"])


def build_scheduler(cfg, optimizer):
    sc = cfg["solver"]["scheduler"]
    if sc["name"] == "multistep":
        return torch.optim.lr_scheduler.MultiStepLR(optimizer, milestones=sc["milestones"], gamma=sc["gamma"])
    if sc["name"] == "cosine":
        return torch.optim.lr_scheduler.CosineAnnealingLR(optimizer, T_max=cfg["solver"]["max_epochs"])
    raise KeyError(sc["name"])


def build_loader(cfg, n, train):
    imgs = torch.randn(n, 3, 128, 128)
    counts = torch.randint(0, 50, (n,)).float()
    return DataLoader(TensorDataset(imgs, counts), batch_size=cfg["data"]["batch_size"],
                      shuffle=train, num_workers=cfg["data"]["num_workers"], drop_last=train)


def train_one_epoch(model, loader, optimizer, lr_scheduler, epoch, print_freq=20):
    model.train()
    crit = nn.SmoothL1Loss()
    start = time.time()
    running = 0.0
    for it, (img, cnt) in enumerate(loader):
        pred = model(img).sum(dim=(1, 2, 3))
        loss = crit(pred, cnt)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        lr_scheduler.step()
        running += loss.item()
        if it % print_freq == 0:
            logger.info("Epoch: [%d] [%d/%d] loss: %.4f lr: %.6f time: %.1fs", epoch, it, len(loader),
                        loss.item(), optimizer.param_groups[0]["lr"], time.time() - start)
    return running / len(loader)


@torch.no_grad()
def evaluate(model, loader):
    model.eval()
    err = 0.0
    for img, cnt in loader:
        err += (model(img).sum(dim=(1, 2, 3)) - cnt).abs().sum().item()
    return err / len(loader.dataset)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--output-dir", default=CFG["output_dir"])
    args = parser.parse_args()
    logging.basicConfig(level=logging.INFO)
    os.makedirs(args.output_dir, exist_ok=True)

    model = build_model(CFG)
    optimizer = build_optimizer(CFG, model)
    lr_scheduler = build_scheduler(CFG, optimizer)
    train_loader = build_loader(CFG, 2000, train=True)
    val_loader = build_loader(CFG, 300, train=False)

    best = float("inf")
    for epoch in range(CFG["solver"]["max_epochs"]):
        train_loss = train_one_epoch(model, train_loader, optimizer, lr_scheduler, epoch)
        mae = evaluate(model, val_loader)
        logger.info("epoch %d train_loss %.4f val_MAE %.3f", epoch, train_loss, mae)
        if mae < best:
            best = mae
            torch.save({"model": model.state_dict(), "optimizer": optimizer.state_dict(),
                        "lr_scheduler": lr_scheduler.state_dict(), "epoch": epoch},
                       os.path.join(args.output_dir, "model_best.pth"))


if __name__ == "__main__":
    main()
