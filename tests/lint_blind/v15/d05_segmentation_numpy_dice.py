# expect: TVL002
# style: medical segmentation project, Trainer class with numpy metric-as-loss helper
# bug: dice_loss() computes the loss in numpy from pred.detach().cpu().numpy() and re-wraps it with requires_grad=True, so the only loss the UNet sees has no path back to it
import argparse
import logging
import os

import numpy as np
import torch
import torch.nn as nn
from torch.utils.data import DataLoader, Dataset

log = logging.getLogger(__name__)


class SyntheticScans(Dataset):
    def __init__(self, n, size=64, seed=0):
        self.n, self.size = n, size
        self.rng = np.random.default_rng(seed)
        self.centers = self.rng.integers(16, size - 16, (n, 2))
        self.radii = self.rng.integers(5, 14, n)

    def __len__(self):
        return self.n

    def __getitem__(self, i):
        yy, xx = np.mgrid[: self.size, : self.size]
        cy, cx = self.centers[i]
        mask = ((yy - cy) ** 2 + (xx - cx) ** 2 <= self.radii[i] ** 2).astype(np.float32)
        img = mask * 0.6 + self.rng.normal(0, 0.3, mask.shape).astype(np.float32)
        return torch.from_numpy(img)[None], torch.from_numpy(mask)[None]


def conv_block(cin, cout):
    return nn.Sequential(
        nn.Conv2d(cin, cout, 3, padding=1), nn.BatchNorm2d(cout), nn.ReLU(inplace=True),
        nn.Conv2d(cout, cout, 3, padding=1), nn.BatchNorm2d(cout), nn.ReLU(inplace=True),
    )


class TinyUNet(nn.Module):
    def __init__(self, ch=16):
        super().__init__()
        self.enc1 = conv_block(1, ch)
        self.enc2 = conv_block(ch, ch * 2)
        self.pool = nn.MaxPool2d(2)
        self.bott = conv_block(ch * 2, ch * 4)
        self.up2 = nn.ConvTranspose2d(ch * 4, ch * 2, 2, stride=2)
        self.dec2 = conv_block(ch * 4, ch * 2)
        self.up1 = nn.ConvTranspose2d(ch * 2, ch, 2, stride=2)
        self.dec1 = conv_block(ch * 2, ch)
        self.head = nn.Conv2d(ch, 1, 1)

    def forward(self, x):
        e1 = self.enc1(x)
        e2 = self.enc2(self.pool(e1))
        b = self.bott(self.pool(e2))
        d2 = self.dec2(torch.cat([self.up2(b), e2], 1))
        d1 = self.dec1(torch.cat([self.up1(d2), e1], 1))
        return self.head(d1)


def soft_dice_np(prob, target, eps=1.0):
    inter = (prob * target).sum(axis=(1, 2, 3))
    denom = prob.sum(axis=(1, 2, 3)) + target.sum(axis=(1, 2, 3))
    return float(1.0 - ((2 * inter + eps) / (denom + eps)).mean())


def dice_loss(logits, target):
    prob = torch.sigmoid(logits).detach().cpu().numpy()
    value = soft_dice_np(prob, target.cpu().numpy())
    return torch.tensor(value, dtype=torch.float32, device=logits.device, requires_grad=True)


class Trainer:
    def __init__(self, model, train_dl, val_dl, lr, out_dir, device):
        self.model = model.to(device)
        self.train_dl, self.val_dl = train_dl, val_dl
        self.opt = torch.optim.Adam(self.model.parameters(), lr=lr)
        self.out_dir = out_dir
        self.device = device
        self.best = float("inf")

    def train_epoch(self):
        self.model.train()
        tot = 0.0
        for img, mask in self.train_dl:
            img, mask = img.to(self.device), mask.to(self.device)
            self.opt.zero_grad()
            loss = dice_loss(self.model(img), mask)
            loss.backward()
            self.opt.step()
            tot += loss.item()
        return tot / len(self.train_dl)

    @torch.no_grad()
    def validate(self):
        self.model.eval()
        scores = []
        for img, mask in self.val_dl:
            prob = torch.sigmoid(self.model(img.to(self.device))).cpu().numpy()
            scores.append(1.0 - soft_dice_np((prob > 0.5).astype(np.float32), mask.numpy()))
        return float(np.mean(scores))

    def fit(self, epochs):
        for ep in range(epochs):
            tr = self.train_epoch()
            dice = self.validate()
            log.info("epoch %d train_loss %.4f val_dice %.4f", ep, tr, dice)
            if 1 - dice < self.best:
                self.best = 1 - dice
                torch.save(self.model.state_dict(), os.path.join(self.out_dir, "best_unet.pt"))


if __name__ == "__main__":
    ap = argparse.ArgumentParser()
    ap.add_argument("--epochs", type=int, default=20)
    ap.add_argument("--lr", type=float, default=1e-3)
    ap.add_argument("--out", default="runs/unet")
    a = ap.parse_args()
    os.makedirs(a.out, exist_ok=True)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(message)s")
    dev = "cuda" if torch.cuda.is_available() else "cpu"
    tr_dl = DataLoader(SyntheticScans(800, seed=1), batch_size=16, shuffle=True, num_workers=2)
    va_dl = DataLoader(SyntheticScans(160, seed=2), batch_size=32)
    Trainer(TinyUNet(), tr_dl, va_dl, a.lr, a.out, dev).fit(a.epochs)
