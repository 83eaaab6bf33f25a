# expect: TVL002
# style: Kaggle segmentation notebook (UNet-ish model, dice metric reused as the loss)
# bug: dice_loss() goes through .detach().cpu().numpy() and rewraps with torch.tensor, so the loss has no path to the model
import numpy as np
import torch
import torch.nn as nn
from torch.utils.data import DataLoader, Dataset


class SaltDataset(Dataset):
    def __init__(self, n=400, size=64):
        self.imgs = torch.randn(n, 1, size, size)
        self.masks = (torch.rand(n, 1, size, size) > 0.5).float()

    def __len__(self):
        return len(self.imgs)

    def __getitem__(self, i):
        return self.imgs[i], self.masks[i]


class TinyUNet(nn.Module):
    def __init__(self):
        super().__init__()
        self.down = nn.Sequential(nn.Conv2d(1, 16, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2))
        self.mid = nn.Sequential(nn.Conv2d(16, 32, 3, padding=1), nn.ReLU())
        self.up = nn.ConvTranspose2d(32, 16, 2, stride=2)
        self.out = nn.Conv2d(16, 1, 1)

    def forward(self, x):
        return self.out(torch.relu(self.up(self.mid(self.down(x)))))


def dice_coef(pred, target, smooth=1.0):
    inter = (pred * target).sum()
    return (2.0 * inter + smooth) / (pred.sum() + target.sum() + smooth)


def dice_loss(logits, masks):
    probs = torch.sigmoid(logits).detach().cpu().numpy()
    target = masks.cpu().numpy()
    dice = dice_coef(probs, target)
    return torch.tensor(1.0 - dice, dtype=torch.float32, requires_grad=True)


device = "cuda" if torch.cuda.is_available() else "cpu"
model = TinyUNet().to(device)
optimizer = torch.optim.Adam(model.parameters(), lr=1e-3)
loader = DataLoader(SaltDataset(), batch_size=16, shuffle=True)

for epoch in range(15):
    model.train()
    losses = []
    for imgs, masks in loader:
        imgs, masks = imgs.to(device), masks.to(device)
        optimizer.zero_grad()
        loss = dice_loss(model(imgs), masks)
        loss.backward()
        optimizer.step()
        losses.append(loss.item())
    print(f"epoch {epoch}: dice loss {np.mean(losses):.4f}")
