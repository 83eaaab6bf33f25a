# expect: clean
# style: ImageNet-example style train/validate functions with AverageMeter and ProgressMeter, depth estimation
# note: AverageMeter.update accumulates self.sum += val * n like the buggy variant, but every call site passes loss.item() (a Python float), so no graph is retained.
import argparse
import os
import shutil
import time

import torch
import torch.nn as nn
import torch.nn.functional as F
from torch.utils.data import DataLoader, Dataset


class AverageMeter:
    def __init__(self, name, fmt=":f"):
        self.name, self.fmt = name, fmt
        self.reset()

    def reset(self):
        self.val = self.avg = self.sum = self.count = 0

    def update(self, val, n=1):
        self.val = val
        self.sum += val * n
        self.count += n
        self.avg = self.sum / self.count

    def __str__(self):
        return ("{name} {val" + self.fmt + "} ({avg" + self.fmt + "})").format(**self.__dict__)


class ProgressMeter:
    def __init__(self, num_batches, meters, prefix=""):
        self.num_batches, self.meters, self.prefix = num_batches, meters, prefix

    def display(self, batch):
        print("\t".join([f"{self.prefix}[{batch}/{self.num_batches}]"] + [str(m) for m in self.meters]))


class DepthPairs(Dataset):
    def __init__(self, n, size=64, seed=0):
        self.n, self.size, self.seed = n, size, seed

    def __len__(self):
        return self.n

    def __getitem__(self, i):
        g = torch.Generator().manual_seed(self.seed * 65537 + i)
        depth = torch.rand(1, self.size // 8, self.size // 8, generator=g) * 10
        depth = F.interpolate(depth[None], size=self.size, mode="bilinear", align_corners=False)[0]
        rgb = torch.cat([depth / 10, 1 - depth / 10, torch.rand(1, self.size, self.size, generator=g)], 0)
        return rgb, depth


class DepthNet(nn.Module):
    def __init__(self):
        super().__init__()
        self.enc = nn.Sequential(nn.Conv2d(3, 32, 3, 2, 1), nn.ReLU(), nn.Conv2d(32, 64, 3, 2, 1), nn.ReLU(),
                                 nn.Conv2d(64, 128, 3, 2, 1), nn.ReLU())
        self.dec = nn.Sequential(nn.ConvTranspose2d(128, 64, 4, 2, 1), nn.ReLU(), nn.ConvTranspose2d(64, 32, 4, 2, 1),
                                 nn.ReLU(), nn.ConvTranspose2d(32, 1, 4, 2, 1), nn.Softplus())

    def forward(self, x):
        return self.dec(self.enc(x))


def silog(pred, target, lam=0.85):
    d = torch.log(pred + 1e-6) - torch.log(target + 1e-6)
    return torch.sqrt((d ** 2).mean() - lam * d.mean() ** 2 + 1e-8)


def train(loader, model, optimizer, epoch, device, print_freq):
    batch_time, losses = AverageMeter("Time", ":6.3f"), AverageMeter("Loss", ":.4f")
    progress = ProgressMeter(len(loader), [batch_time, losses], prefix=f"Epoch: [{epoch}]")
    model.train()
    end = time.time()
    for i, (rgb, depth) in enumerate(loader):
        rgb, depth = rgb.to(device), depth.to(device)
        loss = silog(model(rgb), depth)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        losses.update(loss.item(), rgb.size(0))
        batch_time.update(time.time() - end)
        end = time.time()
        if i % print_freq == 0:
            progress.display(i)
    return losses.avg


def validate(loader, model, device):
    rmse = AverageMeter("RMSE", ":.3f")
    model.eval()
    with torch.no_grad():
        for rgb, depth in loader:
            pred = model(rgb.to(device)).cpu()
            rmse.update(torch.sqrt(F.mse_loss(pred, depth)).item(), rgb.size(0))
    return rmse.avg


def save_checkpoint(state, is_best, out_dir):
    path = os.path.join(out_dir, "checkpoint.pth.tar")
    torch.save(state, path)
    if is_best:
        shutil.copyfile(path, os.path.join(out_dir, "model_best.pth.tar"))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--epochs", type=int, default=20)
    ap.add_argument("--lr", type=float, default=1e-3)
    ap.add_argument("--print-freq", type=int, default=20)
    ap.add_argument("--out-dir", default="depth_ckpt")
    args = ap.parse_args()
    device = "cuda" if torch.cuda.is_available() else "cpu"
    os.makedirs(args.out_dir, exist_ok=True)
    train_dl = DataLoader(DepthPairs(3000), batch_size=16, shuffle=True, num_workers=2)
    val_dl = DataLoader(DepthPairs(300, seed=1), batch_size=32, num_workers=2)
    model = DepthNet().to(device)
    optimizer = torch.optim.Adam(model.parameters(), lr=args.lr)
    best = float("inf")
    for epoch in range(args.epochs):
        tr = train(train_dl, model, optimizer, epoch, device, args.print_freq)
        err = validate(val_dl, model, device)
        print(f" * epoch {epoch} train_silog {tr:.4f} val_rmse {err:.4f}")
        save_checkpoint({"epoch": epoch + 1, "state_dict": model.state_dict(), "best": min(best, err)}, err < best, args.out_dir)
        best = min(best, err)


if __name__ == "__main__":
    main()
