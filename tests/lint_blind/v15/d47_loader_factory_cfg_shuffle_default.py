# expect: TVL015
# style: config-driven data module (build_dataloader factory), point-cloud classification
# bug: build_dataloader() takes shuffle from the split's config with a default of False, and the train split config never sets it, so the training loader iterates in the fixed, class-grouped dataset order
import argparse
import logging
import math
from typing import Dict

import torch
import torch.nn as nn
import torch.nn.functional as F
from torch.utils.data import DataLoader, Dataset

logger = logging.getLogger("pointcls")

CFG: Dict = {
    "data": {
        "num_points": 512,
        "num_classes": 10,
        "train": {"split": "train", "batch_size": 32, "num_workers": 2, "drop_last": True, "augment": True},
        "val": {"split": "val", "batch_size": 64, "num_workers": 2},
    },
    "train": {"epochs": 40, "lr": 1e-3, "weight_decay": 1e-4},
}


class ShapeSet(Dataset):
    """Synthetic shapes stored class by class (as after reading one folder per class)."""

    def __init__(self, split, num_points, num_classes, per_class, augment=False):
        g = torch.Generator().manual_seed(0 if split == "train" else 1)
        self.points, self.labels = [], []
        for c in range(num_classes):
            for _ in range(per_class):
                p = torch.randn(num_points, 3, generator=g)
                p = p / p.norm(dim=1, keepdim=True)
                p = p * torch.tensor([1.0 + 0.3 * c, 1.0, 1.0 / (1 + 0.1 * c)])
                self.points.append(p)
                self.labels.append(c)
        self.augment = augment

    def __len__(self):
        return len(self.labels)

    def __getitem__(self, i):
        p = self.points[i]
        if self.augment:
            theta = float(torch.rand(1)) * 2 * math.pi
            c, s = math.cos(theta), math.sin(theta)
            rot = torch.tensor([[c, 0.0, s], [0.0, 1.0, 0.0], [-s, 0.0, c]])
            p = p @ rot.T + 0.01 * torch.randn_like(p)
        return p, self.labels[i]


def build_dataset(dcfg, split_cfg):
    per_class = 200 if split_cfg["split"] == "train" else 40
    return ShapeSet(split_cfg["split"], dcfg["num_points"], dcfg["num_classes"], per_class,
                    augment=split_cfg.get("augment", False))


def build_dataloader(dcfg, split):
    scfg = dcfg[split]
    ds = build_dataset(dcfg, scfg)
    return DataLoader(ds, batch_size=scfg["batch_size"], shuffle=scfg.get("shuffle", False),
                      num_workers=scfg.get("num_workers", 0), drop_last=scfg.get("drop_last", False))


class PointNet(nn.Module):
    def __init__(self, num_classes):
        super().__init__()
        self.mlp1 = nn.Sequential(nn.Conv1d(3, 64, 1), nn.BatchNorm1d(64), nn.ReLU(),
                                  nn.Conv1d(64, 128, 1), nn.BatchNorm1d(128), nn.ReLU(),
                                  nn.Conv1d(128, 512, 1), nn.BatchNorm1d(512), nn.ReLU())
        self.head = nn.Sequential(nn.Linear(512, 256), nn.BatchNorm1d(256), nn.ReLU(), nn.Dropout(0.4),
                                  nn.Linear(256, num_classes))

    def forward(self, pts):
        feat = self.mlp1(pts.transpose(1, 2)).max(dim=2).values
        return self.head(feat)


def train(cfg):
    train_dl = build_dataloader(cfg["data"], "train")
    val_dl = build_dataloader(cfg["data"], "val")
    model = PointNet(cfg["data"]["num_classes"])
    opt = torch.optim.Adam(model.parameters(), lr=cfg["train"]["lr"], weight_decay=cfg["train"]["weight_decay"])
    sched = torch.optim.lr_scheduler.StepLR(opt, step_size=20, gamma=0.5)
    for epoch in range(cfg["train"]["epochs"]):
        model.train()
        losses = []
        for pts, y in train_dl:
            loss = F.cross_entropy(model(pts), y)
            opt.zero_grad()
            loss.backward()
            opt.step()
            losses.append(loss.item())
        sched.step()
        model.eval()
        correct = 0
        with torch.no_grad():
            for pts, y in val_dl:
                correct += (model(pts).argmax(1) == y).sum().item()
        logger.info("epoch %d loss %.4f val_acc %.4f", epoch, sum(losses) / len(losses), correct / len(val_dl.dataset))
    return model


if __name__ == "__main__":
    ap = argparse.ArgumentParser()
    ap.add_argument("--epochs", type=int)
    a = ap.parse_args()
    if a.epochs:
        CFG["train"]["epochs"] = a.epochs
    logging.basicConfig(level=logging.INFO)
    m = train(CFG)
    torch.save(m.state_dict(), "pointnet.pt")
