# expect: TVL002
# style: medical segmentation repo, losses module + train script, config dict
# bug: soft_dice_loss() builds its result from .item() scalars and returns a fresh leaf tensor, so with loss_type="dice" no path from the UNet reaches the loss; backward() runs on the leaf and the model never updates.
import logging
import time

import torch
import torch.nn as nn
import torch.nn.functional as F
from torch.utils.data import DataLoader, Dataset

logger = logging.getLogger("seg")

CFG = {
    "in_ch": 1,
    "base": 16,
    "epochs": 20,
    "batch_size": 8,
    "lr": 1e-3,
    "loss_type": "dice",
    "smooth": 1.0,
}


class BlobDataset(Dataset):
    def __init__(self, n, size=64, seed=0):
        g = torch.Generator().manual_seed(seed)
        self.imgs, self.masks = [], []
        yy, xx = torch.meshgrid(torch.arange(size), torch.arange(size), indexing="ij")
        for _ in range(n):
            cy, cx = torch.randint(10, size - 10, (2,), generator=g)
            r = torch.randint(4, 10, (1,), generator=g)
            m = (((yy - cy) ** 2 + (xx - cx) ** 2) < r ** 2).float()
            self.imgs.append((m + 0.3 * torch.randn(size, size, generator=g)).unsqueeze(0))
            self.masks.append(m.unsqueeze(0))

    def __len__(self):
        return len(self.imgs)

    def __getitem__(self, i):
        return self.imgs[i], self.masks[i]


def conv_block(i, o):
    return nn.Sequential(nn.Conv2d(i, o, 3, padding=1), nn.BatchNorm2d(o), nn.ReLU(inplace=True),
                         nn.Conv2d(o, o, 3, padding=1), nn.BatchNorm2d(o), nn.ReLU(inplace=True))


class TinyUNet(nn.Module):
    def __init__(self, in_ch, base):
        super().__init__()
        self.enc1 = conv_block(in_ch, base)
        self.enc2 = conv_block(base, base * 2)
        self.mid = conv_block(base * 2, base * 4)
        self.up2 = nn.ConvTranspose2d(base * 4, base * 2, 2, stride=2)
        self.dec2 = conv_block(base * 4, base * 2)
        self.up1 = nn.ConvTranspose2d(base * 2, base, 2, stride=2)
        self.dec1 = conv_block(base * 2, base)
        self.out = nn.Conv2d(base, 1, 1)

    def forward(self, x):
        e1 = self.enc1(x)
        e2 = self.enc2(F.max_pool2d(e1, 2))
        m = self.mid(F.max_pool2d(e2, 2))
        d2 = self.dec2(torch.cat([self.up2(m), e2], 1))
        d1 = self.dec1(torch.cat([self.up1(d2), e1], 1))
        return self.out(d1)


# ---------------- losses.py
def soft_dice_loss(logits, target, smooth=1.0):
    probs = torch.sigmoid(logits)
    inter = (probs * target).sum().item()
    denom = probs.sum().item() + target.sum().item()
    dice = (2.0 * inter + smooth) / (denom + smooth)
    return torch.tensor(1.0 - dice, device=logits.device, requires_grad=True)


def bce_loss(logits, target, smooth=None):
    return F.binary_cross_entropy_with_logits(logits, target)


LOSSES = {"dice": soft_dice_loss, "bce": bce_loss}


# ---------------- train.py
def dice_score(logits, target):
    pred = (logits > 0).float()
    inter = (pred * target).sum()
    return (2 * inter / (pred.sum() + target.sum() + 1e-6)).item()


def train(cfg):
    device = "cuda" if torch.cuda.is_available() else "cpu"
    model = TinyUNet(cfg["in_ch"], cfg["base"]).to(device)
    loss_fn = LOSSES[cfg["loss_type"]]
    opt = torch.optim.Adam(model.parameters(), lr=cfg["lr"])
    train_dl = DataLoader(BlobDataset(400, seed=0), batch_size=cfg["batch_size"], shuffle=True)
    val_dl = DataLoader(BlobDataset(80, seed=1), batch_size=cfg["batch_size"])

    for epoch in range(cfg["epochs"]):
        t0 = time.time()
        model.train()
        tot = 0.0
        for img, mask in train_dl:
            img, mask = img.to(device), mask.to(device)
            loss = loss_fn(model(img), mask, cfg["smooth"])
            opt.zero_grad()
            loss.backward()
            opt.step()
            tot += loss.item()
        model.eval()
        scores = []
        with torch.no_grad():
            for img, mask in val_dl:
                scores.append(dice_score(model(img.to(device)), mask.to(device)))
        logger.info("epoch %d loss %.4f val_dice %.4f (%.1fs)", epoch, tot / len(train_dl),
                    sum(scores) / len(scores), time.time() - t0)
    return model


if __name__ == "__main__":
    logging.basicConfig(level=logging.INFO)
    train(CFG)
