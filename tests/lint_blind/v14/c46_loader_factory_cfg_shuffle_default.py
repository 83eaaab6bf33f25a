# expect: TVL015
# style: config-driven data/loader factory (mmcv-like dict configs), scene classification
# bug: build_dataloader() reads shuffle from the loader config with a False default, and the train loader config never sets it, so training batches are never shuffled
import copy
import logging

import torch
import torch.nn as nn
import torch.nn.functional as F
from torch.utils.data import DataLoader, Dataset

logger = logging.getLogger("scene")

data_cfg = dict(
    train=dict(type="SyntheticScenes", n=4000, seed=0, sort_by_label=True),
    val=dict(type="SyntheticScenes", n=600, seed=1),
    train_dataloader=dict(batch_size=64, num_workers=2, drop_last=True, persistent_workers=False),
    val_dataloader=dict(batch_size=200, num_workers=2, shuffle=False),
)
model_cfg = dict(type="SceneNet", widths=[32, 64, 128], n_classes=15)
optim_cfg = dict(type="SGD", lr=0.05, momentum=0.9, weight_decay=1e-4)
runner_cfg = dict(max_epochs=24)

DATASETS, MODELS = {}, {}


def register(registry):
    def deco(cls):
        registry[cls.__name__] = cls
        return cls
    return deco


@register(DATASETS)
class SyntheticScenes(Dataset):
    def __init__(self, n, seed, sort_by_label=False):
        g = torch.Generator().manual_seed(seed)
        self.labels = torch.randint(0, 15, (n,), generator=g)
        if sort_by_label:  # emulate an ImageFolder-style listing: class by class
            self.labels, _ = self.labels.sort()
        self.images = torch.randn(n, 3, 64, 64, generator=g) + self.labels.float()[:, None, None, None] / 15

    def __len__(self):
        return len(self.labels)

    def __getitem__(self, i):
        return self.images[i], self.labels[i]


@register(MODELS)
class SceneNet(nn.Module):
    def __init__(self, widths, n_classes):
        super().__init__()
        layers, cin = [], 3
        for w in widths:
            layers += [nn.Conv2d(cin, w, 3, padding=1), nn.BatchNorm2d(w), nn.ReLU(), nn.MaxPool2d(2)]
            cin = w
        self.features = nn.Sequential(*layers)
        self.fc = nn.Linear(cin, n_classes)

    def forward(self, x):
        return self.fc(self.features(x).mean((2, 3)))


def build_from_cfg(cfg, registry):
    cfg = copy.deepcopy(cfg)
    return registry[cfg.pop("type")](**cfg)


def build_dataloader(dataset, loader_cfg):
    cfg = dict(loader_cfg)
    return DataLoader(
        dataset,
        batch_size=cfg.pop("batch_size"),
        shuffle=cfg.pop("shuffle", False),
        num_workers=cfg.pop("num_workers", 0),
        drop_last=cfg.pop("drop_last", False),
        persistent_workers=cfg.pop("persistent_workers", False),
    )


def build_optimizer(model, cfg):
    cfg = dict(cfg)
    return getattr(torch.optim, cfg.pop("type"))(model.parameters(), **cfg)


def main():
    logging.basicConfig(level=logging.INFO)
    train_loader = build_dataloader(build_from_cfg(data_cfg["train"], DATASETS), data_cfg["train_dataloader"])
    val_loader = build_dataloader(build_from_cfg(data_cfg["val"], DATASETS), data_cfg["val_dataloader"])
    model = build_from_cfg(model_cfg, MODELS)
    optimizer = build_optimizer(model, optim_cfg)
    scheduler = torch.optim.lr_scheduler.MultiStepLR(optimizer, milestones=[16, 22], gamma=0.1)

    for epoch in range(runner_cfg["max_epochs"]):
        model.train()
        for i, (img, label) in enumerate(train_loader):
            loss = F.cross_entropy(model(img), label)
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
            if i % 20 == 0:
                logger.info("Epoch [%d][%d/%d] loss: %.4f", epoch + 1, i, len(train_loader), loss.item())
        scheduler.step()
        model.eval()
        correct = 0
        with torch.no_grad():
            for img, label in val_loader:
                correct += (model(img).argmax(1) == label).sum().item()
        logger.info("Epoch(val) [%d] accuracy_top-1: %.4f", epoch + 1, correct / len(val_loader.dataset))


if __name__ == "__main__":
    main()
