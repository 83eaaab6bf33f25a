# expect: TVL007
# style: mmcv-like config dict with build_optimizer/build_scheduler factories, semantic segmentation
# bug: build_scheduler() builds a StepLR whose step_size (30) is meant in epochs, but train_one_epoch() calls scheduler.step() after every batch, so the LR decays every 30 iterations.
import copy
import logging
import os

import torch
import torch.nn as nn
import torch.nn.functional as F
from torch.utils.data import DataLoader, Dataset

logger = logging.getLogger("seg")

cfg = dict(
    model=dict(num_classes=6, base=32),
    data=dict(n_train=1200, n_val=200, size=128, batch_size=8),
    optimizer=dict(type="SGD", lr=0.01, momentum=0.9, weight_decay=1e-4),
    lr_config=dict(type="StepLR", step_size=30, gamma=0.1),  # epochs
    total_epochs=90,
    work_dir="work_dirs/unet_small",
)


class SegDataset(Dataset):
    def __init__(self, n, size, n_cls, seed):
        self.n, self.size, self.n_cls, self.seed = n, size, n_cls, seed

    def __len__(self):
        return self.n

    def __getitem__(self, i):
        g = torch.Generator().manual_seed(self.seed * 100000 + i)
        mask = torch.randint(0, self.n_cls, (self.size // 16, self.size // 16), generator=g)
        mask = F.interpolate(mask[None, None].float(), size=self.size, mode="nearest")[0, 0].long()
        img = torch.randn(3, self.size, self.size, generator=g) * 0.3 + mask[None].float() / self.n_cls
        return img, mask


class UNetSmall(nn.Module):
    def __init__(self, num_classes, base):
        super().__init__()
        def dc(a, b):
            return nn.Sequential(nn.Conv2d(a, b, 3, padding=1), nn.BatchNorm2d(b), nn.ReLU(True),
                                 nn.Conv2d(b, b, 3, padding=1), nn.BatchNorm2d(b), nn.ReLU(True))
        self.e1, self.e2, self.e3 = dc(3, base), dc(base, base * 2), dc(base * 2, base * 4)
        self.up2, self.d2 = nn.ConvTranspose2d(base * 4, base * 2, 2, 2), dc(base * 4, base * 2)
        self.up1, self.d1 = nn.ConvTranspose2d(base * 2, base, 2, 2), dc(base * 2, base)
        self.out = nn.Conv2d(base, num_classes, 1)

    def forward(self, x):
        e1 = self.e1(x)
        e2 = self.e2(F.max_pool2d(e1, 2))
        e3 = self.e3(F.max_pool2d(e2, 2))
        d2 = self.d2(torch.cat([self.up2(e3), e2], 1))
        d1 = self.d1(torch.cat([self.up1(d2), e1], 1))
        return self.out(d1)


def build_optimizer(model, opt_cfg):
    opt_cfg = copy.deepcopy(opt_cfg)
    kind = opt_cfg.pop("type")
    return getattr(torch.optim, kind)(model.parameters(), **opt_cfg)


def build_scheduler(optimizer, lr_cfg):
    lr_cfg = copy.deepcopy(lr_cfg)
    kind = lr_cfg.pop("type")
    return getattr(torch.optim.lr_scheduler, kind)(optimizer, **lr_cfg)


def miou(pred, target, n_cls):
    ious = []
    for c in range(n_cls):
        inter = ((pred == c) & (target == c)).sum().item()
        union = ((pred == c) | (target == c)).sum().item()
        if union:
            ious.append(inter / union)
    return sum(ious) / max(len(ious), 1)


def train_one_epoch(model, loader, optimizer, scheduler, device):
    model.train()
    tot = 0.0
    for img, mask in loader:
        img, mask = img.to(device), mask.to(device)
        optimizer.zero_grad()
        loss = F.cross_entropy(model(img), mask)
        loss.backward()
        optimizer.step()
        scheduler.step()
        tot += loss.item()
    return tot / len(loader)


@torch.no_grad()
def validate(model, loader, device, n_cls):
    model.eval()
    scores = [miou(model(img.to(device)).argmax(1).cpu(), mask, n_cls) for img, mask in loader]
    return sum(scores) / len(scores)


def main():
    logging.basicConfig(level=logging.INFO)
    device = "cuda" if torch.cuda.is_available() else "cpu"
    d = cfg["data"]
    n_cls = cfg["model"]["num_classes"]
    train_dl = DataLoader(SegDataset(d["n_train"], d["size"], n_cls, 0), batch_size=d["batch_size"], shuffle=True)
    val_dl = DataLoader(SegDataset(d["n_val"], d["size"], n_cls, 1), batch_size=d["batch_size"])
    model = UNetSmall(**cfg["model"]).to(device)
    optimizer = build_optimizer(model, cfg["optimizer"])
    scheduler = build_scheduler(optimizer, cfg["lr_config"])
    os.makedirs(cfg["work_dir"], exist_ok=True)
    for epoch in range(cfg["total_epochs"]):
        loss = train_one_epoch(model, train_dl, optimizer, scheduler, device)
        score = validate(model, val_dl, device, n_cls)
        logger.info("epoch %d loss %.4f mIoU %.4f lr %.2e", epoch, loss, score, optimizer.param_groups[0]["lr"])
        if (epoch + 1) % 10 == 0:
            torch.save(model.state_dict(), os.path.join(cfg["work_dir"], f"epoch_{epoch + 1}.pth"))


if __name__ == "__main__":
    main()
