# expect: TVL015
# style: mmcv-like config + build_dataloader(split) factory, scene classification
# bug: build_dataloader() enables shuffle only when split == "training", but the config/caller uses split names "train"/"val", so the training loader is never shuffled
import argparse
import logging
import os.path as osp

import torch
import torch.nn as nn
import torch.nn.functional as F
from torch.utils.data import DataLoader, Dataset

logger = logging.getLogger("scene")

cfg = dict(
    data=dict(
        samples_per_gpu=32,
        workers_per_gpu=2,
        train=dict(split="train", n=4000, ann_file="data/places/train.txt"),
        val=dict(split="val", n=800, ann_file="data/places/val.txt"),
    ),
    model=dict(num_classes=50, width=48),
    optimizer=dict(lr=0.1, momentum=0.9, weight_decay=1e-4),
    total_epochs=40,
    work_dir="work_dirs/scene_r18",
)


class SceneDataset(Dataset):
    def __init__(self, split, n, ann_file, num_classes=50):
        self.split = split
        self.ann_file = ann_file
        g = torch.Generator().manual_seed(0 if split == "train" else 1)
        # annotations are grouped by class in the txt file
        self.labels = torch.arange(n) * num_classes // n
        self.imgs = torch.randn(n, 3, 64, 64, generator=g)

    def __len__(self):
        return len(self.labels)

    def __getitem__(self, idx):
        img = self.imgs[idx]
        if self.split == "train" and torch.rand(1).item() < 0.5:
            img = img.flip(-1)
        return img, self.labels[idx]


def build_dataset(dcfg, num_classes):
    return SceneDataset(dcfg["split"], dcfg["n"], dcfg["ann_file"], num_classes)


def build_dataloader(dataset, samples_per_gpu, workers_per_gpu, split):
    shuffle = split == "training"
    return DataLoader(dataset, batch_size=samples_per_gpu, shuffle=shuffle, num_workers=workers_per_gpu,
                      drop_last=shuffle, pin_memory=True)


def build_model(mcfg):
    w = mcfg["width"]
    return nn.Sequential(
        nn.Conv2d(3, w, 3, 2, 1), nn.BatchNorm2d(w), nn.ReLU(),
        nn.Conv2d(w, 2 * w, 3, 2, 1), nn.BatchNorm2d(2 * w), nn.ReLU(),
        nn.Conv2d(2 * w, 4 * w, 3, 2, 1), nn.BatchNorm2d(4 * w), nn.ReLU(),
        nn.AdaptiveAvgPool2d(1), nn.Flatten(), nn.Linear(4 * w, mcfg["num_classes"]),
    )


def train_model(model, loaders, cfg):
    opt = torch.optim.SGD(model.parameters(), **cfg["optimizer"])
    sched = torch.optim.lr_scheduler.CosineAnnealingLR(opt, T_max=cfg["total_epochs"])
    for epoch in range(cfg["total_epochs"]):
        model.train()
        losses = []
        for img, lab in loaders["train"]:
            loss = F.cross_entropy(model(img), lab)
            opt.zero_grad()
            loss.backward()
            opt.step()
            losses.append(loss.item())
        sched.step()
        model.eval()
        correct = 0
        with torch.no_grad():
            for img, lab in loaders["val"]:
                correct += (model(img).argmax(1) == lab).sum().item()
        logger.info("Epoch [%d] loss: %.4f, val top1: %.4f", epoch + 1, sum(losses) / len(losses),
                    correct / len(loaders["val"].dataset))
        torch.save(model.state_dict(), osp.join(cfg["work_dir"], "latest.pth"))


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--work-dir", default=None)
    args = parser.parse_args()
    if args.work_dir:
        cfg["work_dir"] = args.work_dir
    logging.basicConfig(level=logging.INFO)
    import os
    os.makedirs(cfg["work_dir"], exist_ok=True)
    nc = cfg["model"]["num_classes"]
    loaders = {}
    for key in ("train", "val"):
        dcfg = cfg["data"][key]
        ds = build_dataset(dcfg, nc)
        loaders[key] = build_dataloader(ds, cfg["data"]["samples_per_gpu"], cfg["data"]["workers_per_gpu"], dcfg["split"])
    train_model(build_model(cfg["model"]), loaders, cfg)


if __name__ == "__main__":
    main()
