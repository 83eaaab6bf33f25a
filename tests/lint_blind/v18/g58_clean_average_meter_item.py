# expect: clean
# style: research repo AverageMeter + train_one_epoch (image denoising autoencoder)
# note: the loss is passed to an AverageMeter that sums values across iterations, which looks like TVL012, but the caller passes loss.item() (a Python float), so no graph is retained.
import argparse
import logging
import time

import torch
import torch.nn as nn
import torch.nn.functional as F
from torch.utils.data import DataLoader, TensorDataset

logger = logging.getLogger("dae")


class AverageMeter:
    """Computes and stores the average and current value."""

    def __init__(self):
        self.reset()

    def reset(self):
        self.val = self.avg = self.sum = 0.0
        self.count = 0

    def update(self, val, n=1):
        self.val = val
        self.sum += val * n
        self.count += n
        self.avg = self.sum / self.count


class DAE(nn.Module):
    def __init__(self):
        super().__init__()
        self.enc = nn.Sequential(nn.Conv2d(1, 32, 3, 2, 1), nn.ReLU(), nn.Conv2d(32, 64, 3, 2, 1), nn.ReLU())
        self.dec = nn.Sequential(nn.ConvTranspose2d(64, 32, 4, 2, 1), nn.ReLU(), nn.ConvTranspose2d(32, 1, 4, 2, 1))

    def forward(self, x):
        return self.dec(self.enc(x))


def train_one_epoch(model, loader, optimizer, noise_std, epoch, log_every=50):
    model.train()
    loss_meter, time_meter = AverageMeter(), AverageMeter()
    end = time.time()
    for i, (clean,) in enumerate(loader):
        noisy = clean + noise_std * torch.randn_like(clean)
        recon = model(noisy)
        loss = F.mse_loss(recon, clean)
        optimizer.zero_grad(set_to_none=True)
        loss.backward()
        optimizer.step()
        loss_meter.update(loss.item(), clean.size(0))
        time_meter.update(time.time() - end)
        end = time.time()
        if i % log_every == 0:
            logger.info("ep %d it %d loss %.5f (avg %.5f) %.3fs/it", epoch, i, loss_meter.val, loss_meter.avg, time_meter.avg)
    return loss_meter.avg


@torch.no_grad()
def evaluate(model, loader, noise_std):
    model.eval()
    meter = AverageMeter()
    for (clean,) in loader:
        recon = model(clean + noise_std * torch.randn_like(clean))
        meter.update(F.mse_loss(recon, clean).item(), clean.size(0))
    return meter.avg


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--epochs", type=int, default=10)
    ap.add_argument("--noise", type=float, default=0.3)
    ap.add_argument("--lr", type=float, default=1e-3)
    args = ap.parse_args()
    logging.basicConfig(level=logging.INFO)

    imgs = F.avg_pool2d(torch.rand(6000, 1, 28, 28), 3, 1, 1)
    train_dl = DataLoader(TensorDataset(imgs[:5000]), batch_size=64, shuffle=True)
    val_dl = DataLoader(TensorDataset(imgs[5000:]), batch_size=256)
    model = DAE()
    opt = torch.optim.Adam(model.parameters(), lr=args.lr)
    best = float("inf")
    for epoch in range(args.epochs):
        tr = train_one_epoch(model, train_dl, opt, args.noise, epoch)
        va = evaluate(model, val_dl, args.noise)
        if va < best:
            best = va
            torch.save(model.state_dict(), "dae_best.pt")
        logger.info("epoch %d train %.5f val %.5f", epoch, tr, va)


if __name__ == "__main__":
    main()
