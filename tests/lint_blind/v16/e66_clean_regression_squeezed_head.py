# expect: clean
# style: Trainer class for age regression from face crops, head is nn.Linear(..., 1) and the output is squeezed in forward
# note: the regression head is nn.Linear(256, 1) and targets are 1-D, but AgeRegressor.forward returns .squeeze(-1), so prediction and target are both (B,) in the MSE/L1 losses
import argparse
import logging

import torch
import torch.nn as nn
import torch.nn.functional as F
from torch.utils.data import DataLoader, Dataset

log = logging.getLogger("age")


class FaceAges(Dataset):
    def __init__(self, n, seed):
        g = torch.Generator().manual_seed(seed)
        self.imgs = torch.randn(n, 3, 64, 64, generator=g)
        self.ages = torch.randint(1, 90, (n,), generator=g).float()

    def __len__(self):
        return len(self.ages)

    def __getitem__(self, i):
        return self.imgs[i], self.ages[i]


class AgeRegressor(nn.Module):
    def __init__(self):
        super().__init__()
        self.features = nn.Sequential(
            nn.Conv2d(3, 64, 3, 2, 1), nn.BatchNorm2d(64), nn.ReLU(),
            nn.Conv2d(64, 128, 3, 2, 1), nn.BatchNorm2d(128), nn.ReLU(),
            nn.Conv2d(128, 256, 3, 2, 1), nn.BatchNorm2d(256), nn.ReLU(), nn.AdaptiveAvgPool2d(1), nn.Flatten())
        self.head = nn.Linear(256, 1)

    def forward(self, x):
        return self.head(self.features(x)).squeeze(-1)


class Trainer:
    def __init__(self, model, lr, epochs, age_scale=100.0):
        self.model, self.epochs, self.age_scale = model, epochs, age_scale
        self.opt = torch.optim.AdamW(model.parameters(), lr=lr, weight_decay=1e-4)
        self.sched = torch.optim.lr_scheduler.MultiStepLR(self.opt, milestones=[int(epochs * 0.6), int(epochs * 0.85)])

    def loss_fn(self, pred, age):
        return F.smooth_l1_loss(pred, age / self.age_scale, beta=0.05)

    def fit(self, train_loader, val_loader):
        best = float("inf")
        for epoch in range(self.epochs):
            self.model.train()
            for x, age in train_loader:
                loss = self.loss_fn(self.model(x), age)
                self.opt.zero_grad()
                loss.backward()
                self.opt.step()
            self.sched.step()
            mae = self.mae(val_loader)
            log.info("epoch %d loss %.4f val MAE %.2f years", epoch, loss.item(), mae)
            if mae < best:
                best = mae
                torch.save(self.model.state_dict(), "age_best.pt")
        return best

    @torch.no_grad()
    def mae(self, loader):
        self.model.eval()
        err = n = 0
        for x, age in loader:
            err += (self.model(x) * self.age_scale - age).abs().sum().item()
            n += len(age)
        self.model.train()
        return err / n


if __name__ == "__main__":
    ap = argparse.ArgumentParser()
    ap.add_argument("--epochs", type=int, default=25)
    ap.add_argument("--lr", type=float, default=1e-3)
    args = ap.parse_args()
    logging.basicConfig(level=logging.INFO)
    train_loader = DataLoader(FaceAges(5000, 0), batch_size=64, shuffle=True, num_workers=2)
    val_loader = DataLoader(FaceAges(800, 1), batch_size=256)
    Trainer(AgeRegressor(), args.lr, args.epochs).fit(train_loader, val_loader)
