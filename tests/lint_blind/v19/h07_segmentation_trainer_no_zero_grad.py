# expect: TVL003
# style: Trainer class for a small U-Net segmentation model, step split across methods
# bug: `Trainer._optimize` calls backward() and step() but nothing in the trainer ever clears the gradients, so they accumulate over all batches
import os
import time
import logging
from dataclasses import dataclass

import torch
import torch.nn as nn
import torch.nn.functional as F
from torch.utils.data import DataLoader, Dataset

logger = logging.getLogger("seg")


@dataclass
class Cfg:
    in_ch: int = 3
    n_classes: int = 5
    base: int = 32
    lr: float = 1e-3
    epochs: int = 15
    batch_size: int = 8
    img: int = 128
    ckpt_dir: str = "ckpt/unet"
    grad_clip: float = 5.0


class RandomSegData(Dataset):
    def __init__(self, n, cfg):
        self.n, self.cfg = n, cfg

    def __len__(self):
        return self.n

    def __getitem__(self, i):
        g = torch.Generator().manual_seed(i)
        img = torch.rand(self.cfg.in_ch, self.cfg.img, self.cfg.img, generator=g)
        mask = torch.randint(0, self.cfg.n_classes, (self.cfg.img, self.cfg.img), generator=g)
        return img, mask


def conv_block(i, o):
    return nn.Sequential(
        nn.Conv2d(i, o, 3, padding=1), nn.BatchNorm2d(o), nn.ReLU(inplace=True),
        nn.Conv2d(o, o, 3, padding=1), nn.BatchNorm2d(o), nn.ReLU(inplace=True),
    )


class TinyUNet(nn.Module):
    def __init__(self, cfg):
        super().__init__()
        b = cfg.base
        self.enc1 = conv_block(cfg.in_ch, b)
        self.enc2 = conv_block(b, 2 * b)
        self.bott = conv_block(2 * b, 4 * b)
        self.up2 = nn.ConvTranspose2d(4 * b, 2 * b, 2, stride=2)
        self.dec2 = conv_block(4 * b, 2 * b)
        self.up1 = nn.ConvTranspose2d(2 * b, b, 2, stride=2)
        self.dec1 = conv_block(2 * b, b)
        self.out = nn.Conv2d(b, cfg.n_classes, 1)

    def forward(self, x):
        e1 = self.enc1(x)
        e2 = self.enc2(F.max_pool2d(e1, 2))
        bt = self.bott(F.max_pool2d(e2, 2))
        d2 = self.dec2(torch.cat([self.up2(bt), e2], 1))
        d1 = self.dec1(torch.cat([self.up1(d2), e1], 1))
        return self.out(d1)


def dice_score(logits, target, n_classes, eps=1e-6):
    pred = logits.argmax(1)
    scores = []
    for c in range(n_classes):
        p, t = pred == c, target == c
        inter = (p & t).sum().float()
        scores.append((2 * inter + eps) / (p.sum() + t.sum() + eps))
    return torch.stack(scores).mean().item()


class Trainer:
    def __init__(self, cfg, model, device):
        self.cfg = cfg
        self.device = device
        self.model = model.to(device)
        self.opt = torch.optim.Adam(self.model.parameters(), lr=cfg.lr)
        self.criterion = nn.CrossEntropyLoss()
        self.step = 0

    def _forward(self, batch):
        img, mask = batch
        img, mask = img.to(self.device), mask.to(self.device)
        logits = self.model(img)
        return self.criterion(logits, mask), logits, mask

    def _optimize(self, loss):
        loss.backward()
        if self.cfg.grad_clip:
            nn.utils.clip_grad_norm_(self.model.parameters(), self.cfg.grad_clip)
        self.opt.step()
        self.step += 1

    def train_epoch(self, loader):
        self.model.train()
        t0, tot = time.time(), 0.0
        for batch in loader:
            loss, _, _ = self._forward(batch)
            self._optimize(loss)
            tot += loss.item()
            if self.step % 25 == 0:
                logger.info("step %d loss %.4f", self.step, loss.item())
        return tot / len(loader), time.time() - t0

    @torch.no_grad()
    def validate(self, loader):
        self.model.eval()
        dices = []
        for batch in loader:
            _, logits, mask = self._forward(batch)
            dices.append(dice_score(logits, mask, self.cfg.n_classes))
        self.model.train()
        return sum(dices) / len(dices)

    def save(self, name):
        os.makedirs(self.cfg.ckpt_dir, exist_ok=True)
        torch.save({"model": self.model.state_dict(), "opt": self.opt.state_dict(), "step": self.step},
                   os.path.join(self.cfg.ckpt_dir, name))

    def fit(self, train_loader, val_loader):
        best = 0.0
        for ep in range(self.cfg.epochs):
            loss, dt = self.train_epoch(train_loader)
            dice = self.validate(val_loader)
            logger.info("epoch %d loss %.4f dice %.4f (%.0fs)", ep, loss, dice, dt)
            if dice > best:
                best = dice
                self.save("best.pt")
        self.save("last.pt")


if __name__ == "__main__":
    logging.basicConfig(level=logging.INFO)
    cfg = Cfg()
    dev = "cuda" if torch.cuda.is_available() else "cpu"
    tl = DataLoader(RandomSegData(800, cfg), batch_size=cfg.batch_size, shuffle=True, num_workers=4)
    vl = DataLoader(RandomSegData(100, cfg), batch_size=cfg.batch_size, shuffle=False)
    Trainer(cfg, TinyUNet(cfg), dev).fit(tl, vl)
