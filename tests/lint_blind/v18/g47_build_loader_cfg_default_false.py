# expect: TVL015
# style: config-dict driven pipeline with a generic build_dataloader(split, cfg), pose/action recognition on skeleton sequences
# bug: build_dataloader() takes shuffle from cfg["data"][split].get("shuffle", False) and the train split's config omits it, so the training loader iterates in dataset order (sorted by class).
import copy
import logging

import torch
import torch.nn as nn
import torch.nn.functional as F
from torch.utils.data import DataLoader, Dataset

logger = logging.getLogger("skeleton")

BASE_CFG = {
    "data": {
        "train": {"n": 6000, "batch_size": 64, "num_workers": 2, "drop_last": True},
        "val": {"n": 1200, "batch_size": 128, "num_workers": 2},
    },
    "model": {"joints": 17, "hidden": 128, "classes": 12},
    "optim": {"lr": 1e-3, "weight_decay": 1e-4},
    "epochs": 20,
}


class SkeletonClips(Dataset):
    """Clips are generated class by class, so the index order is sorted by label."""

    def __init__(self, n, joints, classes, frames=32, seed=0):
        g = torch.Generator().manual_seed(seed)
        per = n // classes
        self.x, self.y = [], []
        for c in range(classes):
            base = torch.randn(joints, 2, generator=g)
            t = torch.linspace(0, 6.28, frames)
            motion = torch.sin(t * (c + 1) / 3)[:, None, None]
            clips = base + 0.3 * motion + 0.1 * torch.randn(per, frames, joints, 2, generator=g)
            self.x.append(clips)
            self.y += [c] * per
        self.x = torch.cat(self.x)
        self.y = torch.tensor(self.y)

    def __len__(self):
        return len(self.y)

    def __getitem__(self, i):
        return self.x[i], self.y[i]


def build_dataset(split, cfg):
    d = cfg["data"][split]
    m = cfg["model"]
    return SkeletonClips(d["n"], m["joints"], m["classes"], seed=0 if split == "train" else 1)


def build_dataloader(split, cfg):
    d = cfg["data"][split]
    return DataLoader(build_dataset(split, cfg), batch_size=d["batch_size"], shuffle=d.get("shuffle", False),
                      num_workers=d.get("num_workers", 0), drop_last=d.get("drop_last", False))


class TemporalConvNet(nn.Module):
    def __init__(self, joints, hidden, classes):
        super().__init__()
        self.inp = nn.Conv1d(joints * 2, hidden, 3, padding=1)
        self.tcn = nn.Sequential(
            nn.BatchNorm1d(hidden), nn.ReLU(), nn.Conv1d(hidden, hidden, 3, padding=2, dilation=2),
            nn.BatchNorm1d(hidden), nn.ReLU(), nn.Conv1d(hidden, hidden, 3, padding=4, dilation=4),
        )
        self.fc = nn.Linear(hidden, classes)

    def forward(self, x):
        B, T, J, C = x.shape
        h = self.inp(x.reshape(B, T, J * C).transpose(1, 2))
        h = h + self.tcn(h)
        return self.fc(h.mean(-1))


def train(cfg):
    train_dl = build_dataloader("train", cfg)
    val_dl = build_dataloader("val", cfg)
    model = TemporalConvNet(**cfg["model"])
    opt = torch.optim.AdamW(model.parameters(), **cfg["optim"])
    sched = torch.optim.lr_scheduler.CosineAnnealingLR(opt, T_max=cfg["epochs"])
    for epoch in range(cfg["epochs"]):
        model.train()
        total = 0.0
        for x, y in train_dl:
            loss = F.cross_entropy(model(x), y)
            opt.zero_grad()
            loss.backward()
            opt.step()
            total += loss.item()
        sched.step()
        model.eval()
        correct = 0
        with torch.no_grad():
            for x, y in val_dl:
                correct += (model(x).argmax(-1) == y).sum().item()
        logger.info("epoch %d loss %.4f val_acc %.4f", epoch, total / len(train_dl), correct / len(val_dl.dataset))
    return model


if __name__ == "__main__":
    logging.basicConfig(level=logging.INFO)
    cfg = copy.deepcopy(BASE_CFG)
    model = train(cfg)
    torch.save(model.state_dict(), "skeleton_tcn.pt")
