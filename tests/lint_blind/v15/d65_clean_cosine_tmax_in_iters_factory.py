# expect: clean
# style: config-driven build_scheduler() factory for an object-counting density-map model; scheduler stepped per iteration
# note: a CosineAnnealingLR is stepped after every batch, but build_scheduler() converts the schedule to iterations (T_max = epochs * iters_per_epoch, warmup in iterations), so per-batch stepping is the intended granularity
import argparse
import logging

import torch
import torch.nn as nn
import torch.nn.functional as F
from torch.utils.data import DataLoader, TensorDataset

log = logging.getLogger("counting")

CFG = {
    "epochs": 40,
    "batch_size": 16,
    "optimizer": {"type": "adamw", "lr": 2e-4, "weight_decay": 1e-4},
    "scheduler": {"type": "cosine", "warmup_epochs": 2, "min_lr": 1e-6, "by_iter": True},
}


def build_optimizer(model, ocfg):
    if ocfg["type"] == "adamw":
        return torch.optim.AdamW(model.parameters(), lr=ocfg["lr"], weight_decay=ocfg["weight_decay"])
    return torch.optim.SGD(model.parameters(), lr=ocfg["lr"], momentum=0.9)


def build_scheduler(optimizer, scfg, epochs, iters_per_epoch):
    unit = iters_per_epoch if scfg.get("by_iter", False) else 1
    warm = scfg["warmup_epochs"] * unit
    main = torch.optim.lr_scheduler.CosineAnnealingLR(optimizer, T_max=epochs * unit - warm, eta_min=scfg["min_lr"])
    if warm == 0:
        return main
    warmup = torch.optim.lr_scheduler.LinearLR(optimizer, start_factor=0.01, total_iters=warm)
    return torch.optim.lr_scheduler.SequentialLR(optimizer, [warmup, main], milestones=[warm])


class CSRNetLite(nn.Module):
    def __init__(self):
        super().__init__()
        self.front = nn.Sequential(
            nn.Conv2d(3, 32, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
            nn.Conv2d(32, 64, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
        )
        self.back = nn.Sequential(
            nn.Conv2d(64, 64, 3, padding=2, dilation=2), nn.ReLU(),
            nn.Conv2d(64, 32, 3, padding=2, dilation=2), nn.ReLU(),
            nn.Conv2d(32, 1, 1),
        )

    def forward(self, x):
        return F.relu(self.back(self.front(x)))


def synthetic_crowds(n, seed):
    g = torch.Generator().manual_seed(seed)
    imgs = torch.rand(n, 3, 96, 96, generator=g) * 0.2
    dens = torch.zeros(n, 1, 24, 24)
    for k in range(n):
        m = int(torch.randint(5, 60, (1,), generator=g))
        ys, xs = torch.randint(0, 24, (m,), generator=g), torch.randint(0, 24, (m,), generator=g)
        dens[k, 0].index_put_((ys, xs), torch.ones(m), accumulate=True)
        imgs[k, :, ys * 4, xs * 4] += 0.8
    return TensorDataset(imgs, dens)


def train(cfg):
    train_dl = DataLoader(synthetic_crowds(1200, 0), batch_size=cfg["batch_size"], shuffle=True, drop_last=True)
    val_dl = DataLoader(synthetic_crowds(200, 1), batch_size=50)
    model = CSRNetLite()
    opt = build_optimizer(model, cfg["optimizer"])
    sched = build_scheduler(opt, cfg["scheduler"], cfg["epochs"], len(train_dl))
    for epoch in range(cfg["epochs"]):
        model.train()
        for img, den in train_dl:
            loss = F.mse_loss(model(img), den, reduction="sum") / img.size(0)
            opt.zero_grad()
            loss.backward()
            opt.step()
            sched.step()
        model.eval()
        mae = 0.0
        with torch.no_grad():
            for img, den in val_dl:
                mae += (model(img).sum((1, 2, 3)) - den.sum((1, 2, 3))).abs().sum().item()
        log.info("epoch %d count MAE %.2f lr %.2e", epoch, mae / len(val_dl.dataset), opt.param_groups[0]["lr"])
    return model


if __name__ == "__main__":
    ap = argparse.ArgumentParser()
    ap.add_argument("--epochs", type=int, default=None)
    a = ap.parse_args()
    if a.epochs:
        CFG["epochs"] = a.epochs
    logging.basicConfig(level=logging.INFO)
    torch.save(train(CFG).state_dict(), "csrnet_lite.pt")
