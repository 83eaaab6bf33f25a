# expect: TVL008
# style: research repo model file + train loop, skin-lesion image classification with class weights
# bug: LesionNet's classifier ends in nn.Softmax(dim=1) and train() feeds its output to nn.CrossEntropyLoss, which applies log_softmax again (softmax before CE).
import argparse
import logging
import os

import numpy as np
import torch
import torch.nn as nn
from torch.utils.data import DataLoader, WeightedRandomSampler, TensorDataset

logger = logging.getLogger("lesion")
CLASSES = ["akiec", "bcc", "bkl", "df", "mel", "nv", "vasc"]


class LesionNet(nn.Module):
    def __init__(self, n_classes=len(CLASSES), p=0.3):
        super().__init__()
        self.features = nn.Sequential(
            nn.Conv2d(3, 32, 3, padding=1), nn.BatchNorm2d(32), nn.ReLU(), nn.MaxPool2d(2),
            nn.Conv2d(32, 64, 3, padding=1), nn.BatchNorm2d(64), nn.ReLU(), nn.MaxPool2d(2),
            nn.Conv2d(64, 128, 3, padding=1), nn.BatchNorm2d(128), nn.ReLU(), nn.AdaptiveAvgPool2d(1),
        )
        self.classifier = nn.Sequential(
            nn.Flatten(), nn.Dropout(p), nn.Linear(128, 64), nn.ReLU(), nn.Linear(64, n_classes), nn.Softmax(dim=1)
        )

    def forward(self, x):
        return self.classifier(self.features(x))


def make_split(n, rng):
    probs = np.array([0.03, 0.05, 0.11, 0.01, 0.11, 0.67, 0.02])
    y = rng.choice(len(CLASSES), size=n, p=probs)
    return torch.randn(n, 3, 96, 96), torch.from_numpy(y).long()


def class_weights(y):
    counts = torch.bincount(y, minlength=len(CLASSES)).float()
    return counts.sum() / (len(CLASSES) * counts.clamp(min=1))


def train(args):
    rng = np.random.default_rng(args.seed)
    xtr, ytr = make_split(3000, rng)
    xva, yva = make_split(600, rng)
    w = class_weights(ytr)
    sampler = WeightedRandomSampler(w[ytr], num_samples=len(ytr), replacement=True)
    train_dl = DataLoader(TensorDataset(xtr, ytr), batch_size=args.bs, sampler=sampler, num_workers=2)
    val_dl = DataLoader(TensorDataset(xva, yva), batch_size=128)

    model = LesionNet()
    criterion = nn.CrossEntropyLoss()
    opt = torch.optim.Adam(model.parameters(), lr=args.lr)
    sched = torch.optim.lr_scheduler.ReduceLROnPlateau(opt, mode="max", patience=2, factor=0.5)
    best = 0.0
    for epoch in range(args.epochs):
        model.train()
        tot = 0.0
        for x, y in train_dl:
            opt.zero_grad()
            loss = criterion(model(x), y)
            loss.backward()
            opt.step()
            tot += loss.item()
        model.eval()
        per_class = torch.zeros(len(CLASSES))
        seen = torch.zeros(len(CLASSES))
        with torch.no_grad():
            for x, y in val_dl:
                pred = model(x).argmax(1)
                for c in range(len(CLASSES)):
                    m = y == c
                    per_class[c] += (pred[m] == c).sum()
                    seen[c] += m.sum()
        bacc = (per_class / seen.clamp(min=1)).mean().item()
        sched.step(bacc)
        logger.info("epoch %d loss %.4f balanced acc %.4f", epoch, tot / len(train_dl), bacc)
        if bacc > best:
            best = bacc
            torch.save(model.state_dict(), os.path.join(args.out, "lesion_best.pt"))


if __name__ == "__main__":
    ap = argparse.ArgumentParser()
    ap.add_argument("--epochs", type=int, default=25)
    ap.add_argument("--bs", type=int, default=32)
    ap.add_argument("--lr", type=float, default=1e-3)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--out", default=".")
    logging.basicConfig(level=logging.INFO)
    train(ap.parse_args())
