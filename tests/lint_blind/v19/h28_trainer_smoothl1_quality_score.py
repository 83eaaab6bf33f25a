# expect: TVL009
# style: image-quality (MOS) regression with a Trainer class; dataset returns scalar scores, loss computed in a method
# bug: `QualityHead` ends in nn.Linear(hidden, 1) so predictions are (B, 1), while the dataset's scalar MOS collates to (B,); `Trainer.loss_fn` calls F.smooth_l1_loss on them, which broadcasts to (B, B)
import argparse
import logging
import os

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F
from torch.utils.data import DataLoader, Dataset

logger = logging.getLogger("iqa")


class MOSDataset(Dataset):
    def __init__(self, n, size=64, seed=0):
        rng = np.random.default_rng(seed)
        self.blur = rng.uniform(0, 1, n).astype(np.float32)
        self.noise = rng.uniform(0, 1, n).astype(np.float32)
        self.mos = (5 - 2.5 * self.blur - 1.5 * self.noise + rng.normal(0, 0.2, n)).astype(np.float32)
        self.size = size

    def __len__(self):
        return len(self.mos)

    def __getitem__(self, i):
        img = torch.rand(3, self.size, self.size) * (1 - self.blur[i]) + self.noise[i] * torch.randn(3, self.size, self.size)
        return img, torch.tensor(self.mos[i])


class Backbone(nn.Module):
    def __init__(self, w=32):
        super().__init__()
        self.net = nn.Sequential(
            nn.Conv2d(3, w, 3, 1, 1), nn.ReLU(), nn.MaxPool2d(2),
            nn.Conv2d(w, 2 * w, 3, 1, 1), nn.ReLU(), nn.MaxPool2d(2),
            nn.Conv2d(2 * w, 4 * w, 3, 1, 1), nn.ReLU(), nn.AdaptiveAvgPool2d(1), nn.Flatten(),
        )
        self.out_dim = 4 * w

    def forward(self, x):
        return self.net(x)


class QualityHead(nn.Module):
    def __init__(self, d, hidden=64):
        super().__init__()
        self.fc = nn.Sequential(nn.Linear(d, hidden), nn.ReLU(), nn.Dropout(0.1), nn.Linear(hidden, 1))

    def forward(self, f):
        return self.fc(f)


class IQAModel(nn.Module):
    def __init__(self):
        super().__init__()
        self.backbone = Backbone()
        self.head = QualityHead(self.backbone.out_dim)

    def forward(self, x):
        return self.head(self.backbone(x))


def srcc(a, b):
    ra = np.argsort(np.argsort(a))
    rb = np.argsort(np.argsort(b))
    return float(np.corrcoef(ra, rb)[0, 1])


class Trainer:
    def __init__(self, model, lr, device, beta=0.5):
        self.model = model.to(device)
        self.device = device
        self.beta = beta
        self.opt = torch.optim.Adam(model.parameters(), lr=lr, weight_decay=1e-5)
        self.sched = torch.optim.lr_scheduler.StepLR(self.opt, step_size=10, gamma=0.3)

    def loss_fn(self, pred, target):
        return F.smooth_l1_loss(pred, target, beta=self.beta)

    def train_epoch(self, loader):
        self.model.train()
        losses = []
        for img, mos in loader:
            img, mos = img.to(self.device), mos.to(self.device)
            loss = self.loss_fn(self.model(img), mos)
            self.opt.zero_grad()
            loss.backward()
            self.opt.step()
            losses.append(loss.item())
        self.sched.step()
        return float(np.mean(losses))

    @torch.no_grad()
    def evaluate(self, loader):
        self.model.eval()
        preds, gts = [], []
        for img, mos in loader:
            preds.append(self.model(img.to(self.device)).view(-1).cpu().numpy())
            gts.append(mos.numpy())
        self.model.train()
        p, g = np.concatenate(preds), np.concatenate(gts)
        return srcc(p, g), float(np.sqrt(np.mean((p - g) ** 2)))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--epochs", type=int, default=30)
    ap.add_argument("--lr", type=float, default=1e-3)
    ap.add_argument("--bs", type=int, default=32)
    ap.add_argument("--save", default="iqa_ckpt")
    args = ap.parse_args()
    logging.basicConfig(level=logging.INFO)
    device = torch.device("cuda" if torch.cuda.is_available() else "cpu")
    train_dl = DataLoader(MOSDataset(4000), batch_size=args.bs, shuffle=True, num_workers=4)
    val_dl = DataLoader(MOSDataset(600, seed=1), batch_size=128, num_workers=4)
    trainer = Trainer(IQAModel(), args.lr, device)
    os.makedirs(args.save, exist_ok=True)
    best = -1.0
    for epoch in range(args.epochs):
        tl = trainer.train_epoch(train_dl)
        rho, rmse = trainer.evaluate(val_dl)
        logger.info("epoch %d loss %.4f SRCC %.4f RMSE %.4f", epoch, tl, rho, rmse)
        if rho > best:
            best = rho
            torch.save(trainer.model.state_dict(), os.path.join(args.save, "best.pt"))


if __name__ == "__main__":
    main()
