# expect: TVL002
# style: Kaggle kernel, medical segmentation U-Net with a numpy soft-dice loss
# bug: soft_dice_loss converts the sigmoid output to numpy and rebuilds a leaf tensor with requires_grad, so the U-Net receives no gradient at all
import os
import random

import numpy as np
import torch
import torch.nn as nn
from torch.utils.data import DataLoader, Dataset

SEED = 42
IMG = 96
BATCH = 16
EPOCHS = 20
LR = 2e-4
DEVICE = "cuda" if torch.cuda.is_available() else "cpu"


def seed_everything(seed):
    random.seed(seed)
    np.random.seed(seed)
    torch.manual_seed(seed)
    os.environ["PYTHONHASHSEED"] = str(seed)


class SyntheticMasks(Dataset):
    def __init__(self, n):
        self.n = n

    def __len__(self):
        return self.n

    def __getitem__(self, idx):
        rng = np.random.default_rng(idx)
        img = rng.normal(size=(1, IMG, IMG)).astype(np.float32)
        cx, cy, r = rng.integers(20, IMG - 20, size=2).tolist() + [rng.integers(5, 15)]
        yy, xx = np.ogrid[:IMG, :IMG]
        mask = (((yy - cy) ** 2 + (xx - cx) ** 2) < r ** 2).astype(np.float32)[None]
        img += 2 * mask
        return torch.from_numpy(img), torch.from_numpy(mask)


def conv_block(i, o):
    return nn.Sequential(nn.Conv2d(i, o, 3, padding=1), nn.BatchNorm2d(o), nn.ReLU(inplace=True),
                         nn.Conv2d(o, o, 3, padding=1), nn.BatchNorm2d(o), nn.ReLU(inplace=True))


class UNet(nn.Module):
    def __init__(self):
        super().__init__()
        self.d1, self.d2, self.d3 = conv_block(1, 16), conv_block(16, 32), conv_block(32, 64)
        self.pool = nn.MaxPool2d(2)
        self.u2 = nn.ConvTranspose2d(64, 32, 2, stride=2)
        self.c2 = conv_block(64, 32)
        self.u1 = nn.ConvTranspose2d(32, 16, 2, stride=2)
        self.c1 = conv_block(32, 16)
        self.out = nn.Conv2d(16, 1, 1)

    def forward(self, x):
        a = self.d1(x)
        b = self.d2(self.pool(a))
        c = self.d3(self.pool(b))
        b = self.c2(torch.cat([self.u2(c), b], 1))
        a = self.c1(torch.cat([self.u1(b), a], 1))
        return self.out(a)


def soft_dice_loss(logits, target, eps=1.0):
    prob = torch.sigmoid(logits).detach().cpu().numpy()
    tgt = target.cpu().numpy()
    inter = (prob * tgt).sum(axis=(1, 2, 3))
    union = prob.sum(axis=(1, 2, 3)) + tgt.sum(axis=(1, 2, 3))
    dice = (2 * inter + eps) / (union + eps)
    return torch.tensor(1 - dice.mean(), requires_grad=True, device=logits.device)


def dice_score(logits, target):
    pred = (logits > 0).float()
    inter = (pred * target).sum()
    return (2 * inter / (pred.sum() + target.sum() + 1e-6)).item()


seed_everything(SEED)
train_dl = DataLoader(SyntheticMasks(800), batch_size=BATCH, shuffle=True, num_workers=2)
valid_dl = DataLoader(SyntheticMasks(160), batch_size=BATCH, shuffle=False)
model = UNet().to(DEVICE)
optimizer = torch.optim.Adam(model.parameters(), lr=LR)
best_dice = 0.0

for epoch in range(EPOCHS):
    model.train()
    train_losses = []
    for img, mask in train_dl:
        img, mask = img.to(DEVICE), mask.to(DEVICE)
        optimizer.zero_grad()
        out = model(img)
        loss = soft_dice_loss(out, mask)
        loss.backward()
        optimizer.step()
        train_losses.append(loss.item())

    model.eval()
    scores = []
    with torch.no_grad():
        for img, mask in valid_dl:
            out = model(img.to(DEVICE))
            scores.append(dice_score(out, mask.to(DEVICE)))
    val_dice = float(np.mean(scores))
    print(f"Epoch {epoch+1}/{EPOCHS} loss={np.mean(train_losses):.4f} val_dice={val_dice:.4f}")
    if val_dice > best_dice:
        best_dice = val_dice
        torch.save(model.state_dict(), "unet_best.pth")
