# expect: TVL015
# style: YAML-like nested config + make_loader factory for an image segmentation (medical) project
# bug: make_loader takes shuffle from the split's config with a default of False, and the train split's config never sets it, so the training loader is unshuffled.
import logging
from types import SimpleNamespace

import torch
import torch.nn as nn
import torch.nn.functional as F
from torch.utils.data import DataLoader, Dataset

log = logging.getLogger("seg")

CFG = SimpleNamespace(
    data=SimpleNamespace(
        train=SimpleNamespace(n=600, batch_size=8, num_workers=2, augment=True),
        val=SimpleNamespace(n=120, batch_size=16, num_workers=2, augment=False, shuffle=False),
    ),
    model=SimpleNamespace(base=16, n_classes=3),
    optim=SimpleNamespace(lr=3e-4, epochs=30),
)


class SliceDataset(Dataset):
    def __init__(self, n, augment):
        self.n, self.augment = n, augment
        self.imgs = torch.randn(n, 1, 128, 128)
        self.masks = torch.randint(0, 3, (n, 128, 128))

    def __len__(self):
        return self.n

    def __getitem__(self, i):
        img, m = self.imgs[i], self.masks[i]
        if self.augment and torch.rand(1) < 0.5:
            img, m = img.flip(-1), m.flip(-1)
        return img, m


def make_loader(split_cfg):
    ds = SliceDataset(split_cfg.n, split_cfg.augment)
    return DataLoader(ds, batch_size=split_cfg.batch_size, num_workers=split_cfg.num_workers,
                      shuffle=getattr(split_cfg, "shuffle", False), pin_memory=True)


class UNetSmall(nn.Module):
    def __init__(self, base, n_classes):
        super().__init__()
        self.e1 = nn.Sequential(nn.Conv2d(1, base, 3, padding=1), nn.ReLU(), nn.Conv2d(base, base, 3, padding=1), nn.ReLU())
        self.e2 = nn.Sequential(nn.MaxPool2d(2), nn.Conv2d(base, base * 2, 3, padding=1), nn.ReLU())
        self.up = nn.ConvTranspose2d(base * 2, base, 2, 2)
        self.d1 = nn.Sequential(nn.Conv2d(base * 2, base, 3, padding=1), nn.ReLU(), nn.Conv2d(base, n_classes, 1))

    def forward(self, x):
        a = self.e1(x)
        b = self.e2(a)
        return self.d1(torch.cat([a, self.up(b)], 1))


def dice(logits, target, n_classes, eps=1e-6):
    pred = F.one_hot(logits.argmax(1), n_classes).permute(0, 3, 1, 2).float()
    tgt = F.one_hot(target, n_classes).permute(0, 3, 1, 2).float()
    inter = (pred * tgt).sum((0, 2, 3))
    return ((2 * inter + eps) / (pred.sum((0, 2, 3)) + tgt.sum((0, 2, 3)) + eps)).mean().item()


def main(cfg=CFG):
    train_dl, val_dl = make_loader(cfg.data.train), make_loader(cfg.data.val)
    model = UNetSmall(cfg.model.base, cfg.model.n_classes)
    opt = torch.optim.Adam(model.parameters(), lr=cfg.optim.lr)
    for epoch in range(cfg.optim.epochs):
        model.train()
        for img, m in train_dl:
            opt.zero_grad()
            loss = F.cross_entropy(model(img), m)
            loss.backward()
            opt.step()
        model.eval()
        with torch.no_grad():
            scores = [dice(model(img), m, cfg.model.n_classes) for img, m in val_dl]
        log.info("epoch %d last loss %.4f val dice %.4f", epoch, loss.item(), sum(scores) / len(scores))


if __name__ == "__main__":
    logging.basicConfig(level=logging.INFO)
    main()
