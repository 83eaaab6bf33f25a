# expect: clean
# style: config-dict factory for linear probing, frozen feature extractor + classifier head (satellite scene classification)
# note: the optimizer only sees model.head parameters, which looks like TVL006, but freeze_backbone() sets requires_grad_(False) on every backbone parameter (and keeps it in eval mode), so nothing trainable is left out.
import logging

import torch
import torch.nn as nn
from torch.utils.data import DataLoader, TensorDataset

logger = logging.getLogger("probe")
CFG = {"n_classes": 10, "lr": 0.1, "epochs": 20, "bs": 256, "feat_dim": 256}


class ConvBackbone(nn.Module):
    def __init__(self, feat_dim):
        super().__init__()
        self.net = nn.Sequential(
            nn.Conv2d(3, 64, 3, 2, 1), nn.BatchNorm2d(64), nn.ReLU(),
            nn.Conv2d(64, 128, 3, 2, 1), nn.BatchNorm2d(128), nn.ReLU(),
            nn.Conv2d(128, feat_dim, 3, 2, 1), nn.BatchNorm2d(feat_dim), nn.ReLU(), nn.AdaptiveAvgPool2d(1),
        )

    def forward(self, x):
        return self.net(x).flatten(1)


class LinearProbe(nn.Module):
    def __init__(self, feat_dim, n_classes):
        super().__init__()
        self.backbone = ConvBackbone(feat_dim)
        self.head = nn.Linear(feat_dim, n_classes)

    def forward(self, x):
        return self.head(self.backbone(x))

    def train(self, mode=True):
        super().train(mode)
        self.backbone.eval()
        return self


def freeze_backbone(model):
    for p in model.backbone.parameters():
        p.requires_grad_(False)
    n_train = sum(p.numel() for p in model.parameters() if p.requires_grad)
    logger.info("trainable params after freezing: %d", n_train)


def build(cfg):
    model = LinearProbe(cfg["feat_dim"], cfg["n_classes"])
    freeze_backbone(model)
    opt = torch.optim.SGD(model.head.parameters(), lr=cfg["lr"], momentum=0.9, weight_decay=0.0)
    sched = torch.optim.lr_scheduler.CosineAnnealingLR(opt, T_max=cfg["epochs"])
    return model, opt, sched


def main(cfg=CFG):
    logging.basicConfig(level=logging.INFO)
    tr = TensorDataset(torch.randn(5000, 3, 64, 64), torch.randint(0, 10, (5000,)))
    va = TensorDataset(torch.randn(1000, 3, 64, 64), torch.randint(0, 10, (1000,)))
    train_dl = DataLoader(tr, batch_size=cfg["bs"], shuffle=True, num_workers=2)
    val_dl = DataLoader(va, batch_size=512, num_workers=2)
    model, opt, sched = build(cfg)
    crit = nn.CrossEntropyLoss()
    for epoch in range(cfg["epochs"]):
        model.train()
        tot = 0.0
        for x, y in train_dl:
            loss = crit(model(x), y)
            opt.zero_grad()
            loss.backward()
            opt.step()
            tot += loss.item()
        sched.step()
        model.eval()
        with torch.no_grad():
            acc = sum((model(x).argmax(1) == y).sum().item() for x, y in val_dl) / len(va)
        logger.info("epoch %d loss %.4f acc %.4f", epoch, tot / len(train_dl), acc)


if __name__ == "__main__":
    main()
