# expect: TVL002
# style: Kaggle kernel, binary segmentation with a numpy Dice loss
# bug: the logits go through .cpu().numpy() to compute the soft-Dice in numpy and are re-wrapped with torch.tensor(requires_grad=True), cutting the UNet out of the graph
import os

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F
from torch.utils.data import DataLoader, Dataset

SEED = 42
EPOCHS = 6
BATCH = 8
LR = 1e-3
IMG = 96
DEVICE = "cuda" if torch.cuda.is_available() else "cpu"
torch.manual_seed(SEED)
np.random.seed(SEED)


class BlobDataset(Dataset):
    def __init__(self, n):
        self.n = n

    def __len__(self):
        return self.n

    def __getitem__(self, i):
        rng = np.random.default_rng(i)
        img = rng.normal(0, 1, (1, IMG, IMG)).astype(np.float32)
        mask = np.zeros((1, IMG, IMG), dtype=np.float32)
        cy, cx, r = rng.integers(20, IMG - 20, 2).tolist() + [int(rng.integers(5, 15))]
        yy, xx = np.ogrid[:IMG, :IMG]
        mask[0][(yy - cy) ** 2 + (xx - cx) ** 2 < r * r] = 1.0
        img += 2.0 * mask
        return torch.from_numpy(img), torch.from_numpy(mask)


def conv_block(cin, cout):
    return nn.Sequential(nn.Conv2d(cin, cout, 3, padding=1), nn.BatchNorm2d(cout), nn.ReLU(inplace=True),
                         nn.Conv2d(cout, cout, 3, padding=1), nn.BatchNorm2d(cout), nn.ReLU(inplace=True))


class TinyUNet(nn.Module):
    def __init__(self):
        super().__init__()
        self.e1, self.e2 = conv_block(1, 16), conv_block(16, 32)
        self.mid = conv_block(32, 64)
        self.d2, self.d1 = conv_block(64 + 32, 32), conv_block(32 + 16, 16)
        self.out = nn.Conv2d(16, 1, 1)

    def forward(self, x):
        e1 = self.e1(x)
        e2 = self.e2(F.max_pool2d(e1, 2))
        m = self.mid(F.max_pool2d(e2, 2))
        d2 = self.d2(torch.cat([F.interpolate(m, scale_factor=2), e2], 1))
        d1 = self.d1(torch.cat([F.interpolate(d2, scale_factor=2), e1], 1))
        return self.out(d1)


def np_soft_dice(probs, target, eps=1.0):
    inter = (probs * target).sum(axis=(1, 2, 3))
    union = probs.sum(axis=(1, 2, 3)) + target.sum(axis=(1, 2, 3))
    return 1.0 - ((2 * inter + eps) / (union + eps)).mean()


train_loader = DataLoader(BlobDataset(800), batch_size=BATCH, shuffle=True, num_workers=2)
valid_loader = DataLoader(BlobDataset(160), batch_size=BATCH)

model = TinyUNet().to(DEVICE)
optimizer = torch.optim.Adam(model.parameters(), lr=LR)

best_dice = 0.0
for epoch in range(EPOCHS):
    model.train()
    train_losses = []
    for imgs, masks in train_loader:
        imgs, masks = imgs.to(DEVICE), masks.to(DEVICE)
        optimizer.zero_grad()
        logits = model(imgs)
        probs_np = torch.sigmoid(logits).cpu().numpy()
        dice_l = np_soft_dice(probs_np, masks.cpu().numpy())
        loss = torch.tensor(dice_l, dtype=torch.float32, device=DEVICE, requires_grad=True)
        loss.backward()
        optimizer.step()
        train_losses.append(loss.item())

    model.eval()
    scores = []
    with torch.no_grad():
        for imgs, masks in valid_loader:
            pred = (torch.sigmoid(model(imgs.to(DEVICE))) > 0.5).float().cpu().numpy()
            scores.append(1.0 - np_soft_dice(pred, masks.numpy()))
    val_dice = float(np.mean(scores))
    print(f"Epoch {epoch + 1}/{EPOCHS} - loss: {np.mean(train_losses):.4f} - val_dice: {val_dice:.4f}")
    if val_dice > best_dice:
        best_dice = val_dice
        os.makedirs("models", exist_ok=True)
        torch.save(model.state_dict(), "models/unet_best.pth")
