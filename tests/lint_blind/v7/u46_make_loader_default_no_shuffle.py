# expect: TVL015
# style: research repo with data.py-style helper make_loader(ds, bs, shuffle=False) shared by all splits, traffic-sign classification
# bug: make_loader() defaults to shuffle=False and the training split is built with make_loader(train_ds, args.bs) without overriding it, so the training loader is never shuffled.
import argparse
import logging
import os

import torch
import torch.nn as nn
import torch.nn.functional as F
from torch.utils.data import DataLoader, Dataset

log = logging.getLogger("gtsrb")


class SignDataset(Dataset):
    def __init__(self, n, n_classes=43, train=True, seed=0):
        g = torch.Generator().manual_seed(seed)
        self.labels = torch.sort(torch.randint(0, n_classes, (n,), generator=g)).values
        self.images = torch.rand(n, 3, 32, 32, generator=g)
        self.train = train

    def __len__(self):
        return len(self.labels)

    def __getitem__(self, i):
        img = self.images[i]
        if self.train:
            img = (img + 0.05 * torch.randn_like(img)).clamp(0, 1)
        return (img - 0.5) / 0.5, self.labels[i]


def make_loader(ds, batch_size, shuffle=False, workers=4):
    return DataLoader(ds, batch_size=batch_size, shuffle=shuffle, num_workers=workers,
                      pin_memory=torch.cuda.is_available(), persistent_workers=workers > 0)


class SignNet(nn.Module):
    def __init__(self, n_classes=43):
        super().__init__()
        self.f = nn.Sequential(
            nn.Conv2d(3, 64, 3, padding=1), nn.BatchNorm2d(64), nn.ReLU(), nn.MaxPool2d(2),
            nn.Conv2d(64, 128, 3, padding=1), nn.BatchNorm2d(128), nn.ReLU(), nn.MaxPool2d(2),
            nn.Conv2d(128, 256, 3, padding=1), nn.BatchNorm2d(256), nn.ReLU(), nn.AdaptiveAvgPool2d(1),
        )
        self.fc = nn.Linear(256, n_classes)

    def forward(self, x):
        return self.fc(self.f(x).flatten(1))


def evaluate(model, loader, device):
    model.eval()
    correct = n = 0
    with torch.no_grad():
        for x, y in loader:
            correct += (model(x.to(device)).argmax(1).cpu() == y).sum().item()
            n += len(y)
    model.train()
    return correct / n


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--bs", type=int, default=128)
    ap.add_argument("--epochs", type=int, default=15)
    ap.add_argument("--lr", type=float, default=1e-3)
    ap.add_argument("--out", default="runs/gtsrb")
    args = ap.parse_args()
    logging.basicConfig(level=logging.INFO)
    device = "cuda" if torch.cuda.is_available() else "cpu"

    train_ds, val_ds = SignDataset(8000), SignDataset(1500, train=False, seed=1)
    train_loader = make_loader(train_ds, args.bs)
    val_loader = make_loader(val_ds, 512)

    model = SignNet().to(device)
    opt = torch.optim.Adam(model.parameters(), lr=args.lr)
    os.makedirs(args.out, exist_ok=True)
    model.train()
    for epoch in range(args.epochs):
        tot = 0.0
        for x, y in train_loader:
            x, y = x.to(device), y.to(device)
            loss = F.cross_entropy(model(x), y, label_smoothing=0.05)
            opt.zero_grad()
            loss.backward()
            opt.step()
            tot += loss.item()
        acc = evaluate(model, val_loader, device)
        log.info("epoch %d loss %.4f val acc %.4f", epoch, tot / len(train_loader), acc)
        torch.save(model.state_dict(), os.path.join(args.out, "last.pt"))


if __name__ == "__main__":
    main()
