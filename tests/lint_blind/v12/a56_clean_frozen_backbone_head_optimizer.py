# expect: clean
# style: linear probe / head fine-tuning with a frozen pretrained backbone, Trainer-style functions
# note: the optimizer only sees the head, which looks like a partial optimizer, but the backbone is frozen (requires_grad False) and its features are computed under no_grad; the head forward is outside no_grad
import argparse
import logging

import torch
import torch.nn as nn
import torch.nn.functional as F
from torch.utils.data import DataLoader, TensorDataset

logger = logging.getLogger("probe")


class Encoder(nn.Module):
    def __init__(self, dim=256):
        super().__init__()
        self.net = nn.Sequential(
            nn.Conv2d(3, 64, 7, 2, 3), nn.BatchNorm2d(64), nn.ReLU(), nn.MaxPool2d(3, 2, 1),
            nn.Conv2d(64, 128, 3, 2, 1), nn.BatchNorm2d(128), nn.ReLU(),
            nn.Conv2d(128, dim, 3, 2, 1), nn.BatchNorm2d(dim), nn.ReLU(),
            nn.AdaptiveAvgPool2d(1), nn.Flatten(),
        )

    def forward(self, x):
        return self.net(x)


class ProbeModel(nn.Module):
    def __init__(self, n_classes, dim=256):
        super().__init__()
        self.backbone = Encoder(dim)
        self.head = nn.Sequential(nn.BatchNorm1d(dim, affine=False), nn.Linear(dim, n_classes))

    def freeze_backbone(self):
        for p in self.backbone.parameters():
            p.requires_grad = False
        self.backbone.eval()

    def forward(self, x):
        with torch.no_grad():
            feats = self.backbone(x)
        return self.head(feats)

    def train(self, mode=True):
        super().train(mode)
        self.backbone.eval()  # keep frozen BN statistics
        return self


def run(args):
    model = ProbeModel(args.n_classes)
    model.freeze_backbone()
    opt = torch.optim.SGD(model.head.parameters(), lr=args.lr, momentum=0.9, weight_decay=0.0)
    sched = torch.optim.lr_scheduler.CosineAnnealingLR(opt, T_max=args.epochs)
    train_dl = DataLoader(TensorDataset(torch.randn(4000, 3, 96, 96), torch.randint(0, args.n_classes, (4000,))),
                          batch_size=256, shuffle=True, drop_last=True)
    val_dl = DataLoader(TensorDataset(torch.randn(800, 3, 96, 96), torch.randint(0, args.n_classes, (800,))),
                        batch_size=512)
    trainable = sum(p.numel() for p in model.parameters() if p.requires_grad)
    logger.info("trainable params: %d", trainable)

    for epoch in range(args.epochs):
        model.train()
        tot = 0.0
        for x, y in train_dl:
            loss = F.cross_entropy(model(x), y)
            opt.zero_grad()
            loss.backward()
            opt.step()
            tot += loss.item()
        sched.step()
        model.eval()
        correct = 0
        with torch.no_grad():
            for x, y in val_dl:
                correct += (model(x).argmax(-1) == y).sum().item()
        logger.info("epoch %d loss %.4f top1 %.4f", epoch, tot / len(train_dl), correct / len(val_dl.dataset))
    torch.save(model.head.state_dict(), "linear_head.pt")


if __name__ == "__main__":
    ap = argparse.ArgumentParser()
    ap.add_argument("--n-classes", type=int, default=100)
    ap.add_argument("--epochs", type=int, default=30)
    ap.add_argument("--lr", type=float, default=0.1)
    logging.basicConfig(level=logging.INFO)
    run(ap.parse_args())
