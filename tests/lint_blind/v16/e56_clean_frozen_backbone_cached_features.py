# expect: clean
# style: linear-probe evaluation script (SSL paper style), frozen encoder features computed under no_grad, head-only optimizer
# note: the backbone forward runs under no_grad and only the linear head is optimized, but the backbone is explicitly frozen (requires_grad_(False) + eval) and the head forward is outside no_grad, so the loss reaches the trained head
import argparse
import logging

import torch
import torch.nn as nn
import torch.nn.functional as F
from torch.utils.data import DataLoader, TensorDataset

logger = logging.getLogger("linprobe")


class Encoder(nn.Module):
    def __init__(self, dim=256):
        super().__init__()
        self.net = nn.Sequential(
            nn.Conv2d(3, 64, 3, 2, 1), nn.BatchNorm2d(64), nn.ReLU(),
            nn.Conv2d(64, 128, 3, 2, 1), nn.BatchNorm2d(128), nn.ReLU(),
            nn.Conv2d(128, dim, 3, 2, 1), nn.BatchNorm2d(dim), nn.ReLU(), nn.AdaptiveAvgPool2d(1), nn.Flatten())

    def forward(self, x):
        return self.net(x)


class LinearProbe(nn.Module):
    def __init__(self, encoder, dim, n_classes):
        super().__init__()
        self.encoder = encoder
        self.bn = nn.BatchNorm1d(dim, affine=False)
        self.fc = nn.Linear(dim, n_classes)
        self.encoder.requires_grad_(False)

    def train(self, mode=True):
        super().train(mode)
        self.encoder.eval()  # keep BN statistics of the pretrained encoder fixed
        return self

    def forward(self, x):
        with torch.no_grad():
            feats = self.encoder(x)
        return self.fc(self.bn(feats))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--epochs", type=int, default=30)
    ap.add_argument("--lr", type=float, default=0.1)
    ap.add_argument("--n-classes", type=int, default=100)
    args = ap.parse_args()
    logging.basicConfig(level=logging.INFO)
    device = "cuda" if torch.cuda.is_available() else "cpu"

    probe = LinearProbe(Encoder(), 256, args.n_classes).to(device)
    head_params = list(probe.fc.parameters())
    optimizer = torch.optim.SGD(head_params, lr=args.lr, momentum=0.9, weight_decay=0.0)
    scheduler = torch.optim.lr_scheduler.CosineAnnealingLR(optimizer, T_max=args.epochs)
    n_trainable = sum(p.numel() for p in probe.parameters() if p.requires_grad)
    logger.info("trainable parameters: %d (head only)", n_trainable)

    x, y = torch.randn(6000, 3, 64, 64), torch.randint(0, args.n_classes, (6000,))
    train_loader = DataLoader(TensorDataset(x[:5000], y[:5000]), batch_size=256, shuffle=True)
    val_loader = DataLoader(TensorDataset(x[5000:], y[5000:]), batch_size=512)

    for epoch in range(args.epochs):
        probe.train()
        for xb, yb in train_loader:
            xb, yb = xb.to(device), yb.to(device)
            loss = F.cross_entropy(probe(xb), yb)
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
        scheduler.step()
        probe.eval()
        correct = 0
        with torch.no_grad():
            for xb, yb in val_loader:
                correct += (probe(xb.to(device)).argmax(1).cpu() == yb).sum().item()
        logger.info("epoch %d loss %.4f top1 %.4f", epoch, loss.item(), correct / len(val_loader.dataset))


if __name__ == "__main__":
    main()
