# expect: TVL007
# style: research repo with dataclass config, U-Net-ish image denoising
# bug: CosineAnnealingLR gets T_max=cfg.epochs but train_one_epoch() steps it after every batch, so the cosine cycles many times within the run.
from dataclasses import dataclass

import torch
import torch.nn as nn
import torch.nn.functional as F
from torch.utils.data import DataLoader, Dataset


@dataclass
class TrainConfig:
    epochs: int = 50
    batch_size: int = 16
    lr: float = 2e-4
    min_lr: float = 1e-6
    noise_std: float = 0.1


class NoisyPatches(Dataset):
    def __init__(self, n=2000, size=48, std=0.1):
        self.clean = torch.rand(n, 3, size, size)
        self.std = std

    def __len__(self):
        return len(self.clean)

    def __getitem__(self, i):
        c = self.clean[i]
        return c + self.std * torch.randn_like(c), c


class TinyUNet(nn.Module):
    def __init__(self, c=32):
        super().__init__()
        self.d1 = nn.Sequential(nn.Conv2d(3, c, 3, padding=1), nn.ReLU(), nn.Conv2d(c, c, 3, padding=1), nn.ReLU())
        self.d2 = nn.Sequential(nn.Conv2d(c, 2 * c, 3, stride=2, padding=1), nn.ReLU())
        self.up = nn.ConvTranspose2d(2 * c, c, 2, stride=2)
        self.u1 = nn.Sequential(nn.Conv2d(2 * c, c, 3, padding=1), nn.ReLU(), nn.Conv2d(c, 3, 3, padding=1))

    def forward(self, x):
        a = self.d1(x)
        b = self.d2(a)
        return x + self.u1(torch.cat([self.up(b), a], dim=1))


def make_scheduler(optimizer, cfg):
    return torch.optim.lr_scheduler.CosineAnnealingLR(optimizer, T_max=cfg.epochs, eta_min=cfg.min_lr)


def train_one_epoch(model, loader, optimizer, scheduler):
    model.train()
    tot = 0.0
    for noisy, clean in loader:
        optimizer.zero_grad(set_to_none=True)
        loss = F.l1_loss(model(noisy), clean)
        loss.backward()
        optimizer.step()
        scheduler.step()
        tot += loss.item()
    return tot / len(loader)


@torch.no_grad()
def psnr(model, loader):
    model.eval()
    vals = []
    for noisy, clean in loader:
        mse = F.mse_loss(model(noisy).clamp(0, 1), clean).item()
        vals.append(10 * torch.log10(torch.tensor(1.0 / max(mse, 1e-10))).item())
    return sum(vals) / len(vals)


def main(cfg=TrainConfig()):
    train_loader = DataLoader(NoisyPatches(std=cfg.noise_std), batch_size=cfg.batch_size, shuffle=True)
    val_loader = DataLoader(NoisyPatches(n=200, std=cfg.noise_std), batch_size=32)
    model = TinyUNet()
    optimizer = torch.optim.Adam(model.parameters(), lr=cfg.lr)
    scheduler = make_scheduler(optimizer, cfg)
    for epoch in range(cfg.epochs):
        l1 = train_one_epoch(model, train_loader, optimizer, scheduler)
        print(f"epoch {epoch:3d} l1 {l1:.4f} psnr {psnr(model, val_loader):.2f} lr {scheduler.get_last_lr()[0]:.2e}")


if __name__ == "__main__":
    main()
