# expect: clean
# style: cluster-job script driven by environment variables (SLURM-like) for a satellite-image land-cover segmenter
# note: the checkpoint paths come from os.environ (TVL014 look-alike), but every torch.load passes weights_only=True, and only state_dicts / plain numbers are saved
import logging
import os
import time

import torch
import torch.nn as nn
import torch.nn.functional as F
from torch.utils.data import DataLoader, Dataset

log = logging.getLogger("landcover")

RUN_DIR = os.environ.get("RUN_DIR", "runs/landcover")
INIT_CKPT = os.environ.get("INIT_CKPT", "")
RESUME_CKPT = os.environ.get("RESUME_CKPT", os.path.join(RUN_DIR, "last.pt"))
EPOCHS = int(os.environ.get("EPOCHS", "40"))
LR = float(os.environ.get("LR", "1e-3"))
N_CLASSES = 7


class Tiles(Dataset):
    def __init__(self, n, size=128, seed=0):
        self.n, self.size, self.seed = n, size, seed

    def __len__(self):
        return self.n

    def __getitem__(self, i):
        g = torch.Generator().manual_seed(self.seed * 7919 + i)
        img = torch.rand(4, self.size, self.size, generator=g)  # RGB + NIR
        ndvi = (img[3] - img[0]) / (img[3] + img[0] + 1e-6)
        mask = torch.bucketize(ndvi, torch.linspace(-0.8, 0.8, N_CLASSES - 1))
        return img, mask


class FCN(nn.Module):
    def __init__(self, c=64):
        super().__init__()
        self.enc = nn.Sequential(
            nn.Conv2d(4, c, 3, 1, 1), nn.BatchNorm2d(c), nn.ReLU(),
            nn.Conv2d(c, c, 3, 2, 1), nn.BatchNorm2d(c), nn.ReLU(),
            nn.Conv2d(c, 2 * c, 3, 2, 1), nn.BatchNorm2d(2 * c), nn.ReLU(),
        )
        self.dec = nn.Sequential(
            nn.ConvTranspose2d(2 * c, c, 4, 2, 1), nn.ReLU(),
            nn.ConvTranspose2d(c, c, 4, 2, 1), nn.ReLU(),
            nn.Conv2d(c, N_CLASSES, 1),
        )

    def forward(self, x):
        return self.dec(self.enc(x))


def miou(pred, target, k=N_CLASSES):
    ious = []
    for c in range(k):
        inter = ((pred == c) & (target == c)).sum().item()
        union = ((pred == c) | (target == c)).sum().item()
        if union:
            ious.append(inter / union)
    return sum(ious) / max(1, len(ious))


def maybe_load(model, opt):
    start = 0
    if INIT_CKPT and os.path.isfile(INIT_CKPT):
        model.load_state_dict(torch.load(INIT_CKPT, map_location="cpu", weights_only=True), strict=False)
        log.info("initialised from %s", INIT_CKPT)
    if os.path.isfile(RESUME_CKPT):
        ckpt = torch.load(RESUME_CKPT, map_location="cpu", weights_only=True)
        model.load_state_dict(ckpt["model"])
        opt.load_state_dict(ckpt["opt"])
        start = int(ckpt["epoch"]) + 1
        log.info("resumed from %s at epoch %d", RESUME_CKPT, start)
    return start


def main():
    logging.basicConfig(level=logging.INFO)
    os.makedirs(RUN_DIR, exist_ok=True)
    device = torch.device("cuda" if torch.cuda.is_available() else "cpu")
    model = FCN().to(device)
    opt = torch.optim.Adam(model.parameters(), lr=LR)
    start = maybe_load(model, opt)
    train_dl = DataLoader(Tiles(3000), batch_size=16, shuffle=True, num_workers=int(os.environ.get("NUM_WORKERS", 4)))
    val_dl = DataLoader(Tiles(300, seed=1), batch_size=16)
    for epoch in range(start, EPOCHS):
        model.train()
        t0, tot = time.time(), 0.0
        for img, mask in train_dl:
            img, mask = img.to(device), mask.to(device)
            loss = F.cross_entropy(model(img), mask)
            opt.zero_grad()
            loss.backward()
            opt.step()
            tot += loss.item()
        model.eval()
        scores = []
        with torch.no_grad():
            for img, mask in val_dl:
                scores.append(miou(model(img.to(device)).argmax(1).cpu(), mask))
        log.info("epoch %d loss %.4f mIoU %.4f (%.0fs)", epoch, tot / len(train_dl), sum(scores) / len(scores),
                 time.time() - t0)
        torch.save({"model": model.state_dict(), "opt": opt.state_dict(), "epoch": epoch}, os.path.join(RUN_DIR, "last.pt"))


if __name__ == "__main__":
    main()
