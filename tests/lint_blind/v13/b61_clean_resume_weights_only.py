# expect: clean
# style: argparse --init-from / --resume script for a U-Net depth estimator
# note: checkpoints come from command-line paths, but every torch.load passes weights_only=True (optimizer state is plain tensors/numbers)
import argparse
import logging
import os

import torch
import torch.nn as nn
import torch.nn.functional as F
from torch.utils.data import DataLoader, TensorDataset

log = logging.getLogger("depth")


class DepthNet(nn.Module):
    def __init__(self):
        super().__init__()
        self.enc1 = nn.Sequential(nn.Conv2d(3, 32, 3, 2, 1), nn.ReLU())
        self.enc2 = nn.Sequential(nn.Conv2d(32, 64, 3, 2, 1), nn.ReLU())
        self.dec2 = nn.Sequential(nn.ConvTranspose2d(64, 32, 4, 2, 1), nn.ReLU())
        self.dec1 = nn.ConvTranspose2d(64, 1, 4, 2, 1)

    def forward(self, x):
        e1 = self.enc1(x)
        e2 = self.enc2(e1)
        d2 = self.dec2(e2)
        return F.softplus(self.dec1(torch.cat([d2, e1], 1)))


def silog(pred, gt, lam=0.85):
    d = torch.log(pred + 1e-6) - torch.log(gt + 1e-6)
    return torch.sqrt((d ** 2).mean() - lam * d.mean() ** 2 + 1e-8)


def load_state(path, model, optimizer=None, device="cpu"):
    ckpt = torch.load(path, map_location=device, weights_only=True)
    model.load_state_dict(ckpt["model"] if "model" in ckpt else ckpt)
    if optimizer is not None and "optimizer" in ckpt:
        optimizer.load_state_dict(ckpt["optimizer"])
    return int(ckpt.get("epoch", -1)) + 1


def parse():
    p = argparse.ArgumentParser()
    p.add_argument("--init-from", default=None, help="weights to initialise from")
    p.add_argument("--resume", default=None, help="full training checkpoint")
    p.add_argument("--epochs", type=int, default=20)
    p.add_argument("--lr", type=float, default=2e-4)
    p.add_argument("--save-dir", default="ckpts/depth")
    return p.parse_args()


def main():
    args = parse()
    logging.basicConfig(level=logging.INFO)
    os.makedirs(args.save_dir, exist_ok=True)
    dev = torch.device("cuda" if torch.cuda.is_available() else "cpu")
    model = DepthNet().to(dev)
    opt = torch.optim.Adam(model.parameters(), lr=args.lr)
    start = 0
    if args.init_from:
        load_state(args.init_from, model, device=dev)
        log.info("initialised from %s", args.init_from)
    if args.resume:
        start = load_state(args.resume, model, opt, device=dev)
        log.info("resuming at epoch %d", start)

    imgs = torch.rand(800, 3, 64, 64)
    depth = torch.rand(800, 1, 64, 64) * 9 + 1
    tr = DataLoader(TensorDataset(imgs[:700], depth[:700]), batch_size=16, shuffle=True)
    va = DataLoader(TensorDataset(imgs[700:], depth[700:]), batch_size=32)
    for ep in range(start, args.epochs):
        model.train()
        for x, d in tr:
            x, d = x.to(dev), d.to(dev)
            loss = silog(model(x), d)
            opt.zero_grad()
            loss.backward()
            opt.step()
        model.eval()
        with torch.no_grad():
            absrel = sum(((model(x.to(dev)) - d.to(dev)).abs() / d.to(dev)).mean().item() for x, d in va) / len(va)
        log.info("epoch %d silog %.4f AbsRel %.4f", ep, loss.item(), absrel)
        torch.save({"model": model.state_dict(), "optimizer": opt.state_dict(), "epoch": ep},
                   os.path.join(args.save_dir, "last.pt"))


if __name__ == "__main__":
    main()
