# expect: TVL012
# style: road/building segmentation script from a blog tutorial (small encoder-decoder, Dice+BCE), everything in main()
# bug: running_loss += loss adds the loss tensor itself, so every iteration's autograd graph is kept alive until the end of the epoch
import argparse
import torch
import torch.nn as nn
import torch.nn.functional as F
from torch.utils.data import DataLoader, TensorDataset


def double_conv(ci, co):
    return nn.Sequential(nn.Conv2d(ci, co, 3, padding=1), nn.BatchNorm2d(co), nn.ReLU(inplace=True),
                         nn.Conv2d(co, co, 3, padding=1), nn.BatchNorm2d(co), nn.ReLU(inplace=True))


class SegNetLite(nn.Module):
    def __init__(self, n_ch=3, base=32):
        super().__init__()
        self.enc1, self.enc2 = double_conv(n_ch, base), double_conv(base, base * 2)
        self.bottleneck = double_conv(base * 2, base * 4)
        self.up2 = nn.ConvTranspose2d(base * 4, base * 2, 2, stride=2)
        self.dec2 = double_conv(base * 4, base * 2)
        self.up1 = nn.ConvTranspose2d(base * 2, base, 2, stride=2)
        self.dec1 = double_conv(base * 2, base)
        self.out = nn.Conv2d(base, 1, 1)

    def forward(self, x):
        e1 = self.enc1(x)
        e2 = self.enc2(F.max_pool2d(e1, 2))
        b = self.bottleneck(F.max_pool2d(e2, 2))
        d2 = self.dec2(torch.cat([self.up2(b), e2], 1))
        d1 = self.dec1(torch.cat([self.up1(d2), e1], 1))
        return self.out(d1)


def dice_bce(logits, target, eps=1.0):
    bce = F.binary_cross_entropy_with_logits(logits, target)
    p = torch.sigmoid(logits)
    inter = (p * target).sum((1, 2, 3))
    dice = 1 - (2 * inter + eps) / (p.sum((1, 2, 3)) + target.sum((1, 2, 3)) + eps)
    return bce + dice.mean()


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--epochs", type=int, default=25)
    ap.add_argument("--lr", type=float, default=1e-3)
    args = ap.parse_args()
    imgs = torch.randn(400, 3, 96, 96)
    masks = (torch.rand(400, 1, 96, 96) > 0.7).float()
    train_loader = DataLoader(TensorDataset(imgs, masks), batch_size=8, shuffle=True)
    model = SegNetLite()
    optimizer = torch.optim.Adam(model.parameters(), lr=args.lr)
    best = float("inf")
    for epoch in range(args.epochs):
        model.train()
        running_loss = 0.0
        for images, targets in train_loader:
            optimizer.zero_grad()
            outputs = model(images)
            loss = dice_bce(outputs, targets)
            loss.backward()
            optimizer.step()
            running_loss += loss
        epoch_loss = running_loss / len(train_loader)
        print(f"Epoch {epoch + 1}/{args.epochs} - loss: {epoch_loss:.4f}")
        if epoch_loss < best:
            best = epoch_loss
            torch.save(model.state_dict(), "best_segnet.pt")


if __name__ == "__main__":
    main()
