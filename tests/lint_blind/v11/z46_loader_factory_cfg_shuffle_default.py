# expect: TVL015
# style: mmcv-like config dict + build_dataloader factory for a pose-regression model
# bug: `build_dataloader` reads shuffle from the per-split config with a default of False, and the train config never sets it, so the training loader iterates in fixed order
import copy

import torch
import torch.nn as nn
import torch.nn.functional as F
from torch.utils.data import DataLoader, Dataset

cfg = dict(
    model=dict(n_joints=17, width=64),
    data=dict(
        samples_per_gpu=32,
        workers_per_gpu=2,
        train=dict(split="train", n=2000, drop_last=True),
        val=dict(split="val", n=400, shuffle=False),
    ),
    optimizer=dict(lr=1e-3, weight_decay=1e-4),
    total_epochs=10,
)


class KeypointDataset(Dataset):
    def __init__(self, split, n, n_joints=17):
        g = torch.Generator().manual_seed(0 if split == "train" else 1)
        self.imgs = torch.randn(n, 3, 64, 48, generator=g)
        self.kpts = torch.rand(n, n_joints, 2, generator=g)

    def __len__(self):
        return len(self.imgs)

    def __getitem__(self, i):
        return self.imgs[i], self.kpts[i]


def build_dataset(dcfg):
    d = copy.deepcopy(dcfg)
    d.pop("shuffle", None)
    d.pop("drop_last", None)
    return KeypointDataset(**d)


def build_dataloader(dataset, dcfg, samples_per_gpu, workers_per_gpu):
    return DataLoader(dataset, batch_size=samples_per_gpu, num_workers=workers_per_gpu,
                      shuffle=dcfg.get("shuffle", False), drop_last=dcfg.get("drop_last", False),
                      pin_memory=True)


class PoseRegressor(nn.Module):
    def __init__(self, n_joints, width):
        super().__init__()
        self.n_joints = n_joints
        self.body = nn.Sequential(nn.Conv2d(3, width, 3, 2, 1), nn.ReLU(), nn.Conv2d(width, width, 3, 2, 1), nn.ReLU(),
                                  nn.AdaptiveAvgPool2d(1), nn.Flatten())
        self.reg = nn.Linear(width, n_joints * 2)

    def forward(self, x):
        return self.reg(self.body(x)).view(-1, self.n_joints, 2)


def train_model(cfg):
    dc = cfg["data"]
    loaders = {k: build_dataloader(build_dataset(dc[k]), dc[k], dc["samples_per_gpu"], dc["workers_per_gpu"])
               for k in ("train", "val")}
    model = PoseRegressor(**cfg["model"])
    opt = torch.optim.Adam(model.parameters(), **cfg["optimizer"])
    for epoch in range(cfg["total_epochs"]):
        model.train()
        for img, kp in loaders["train"]:
            loss = F.smooth_l1_loss(model(img), kp)
            opt.zero_grad()
            loss.backward()
            opt.step()
        model.eval()
        with torch.no_grad():
            err = torch.cat([(model(img) - kp).norm(dim=-1).mean(1) for img, kp in loaders["val"]]).mean()
        print(f"epoch {epoch}: val mean joint err {err.item():.4f}")


if __name__ == "__main__":
    train_model(cfg)
