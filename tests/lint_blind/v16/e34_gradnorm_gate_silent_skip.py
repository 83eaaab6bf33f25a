# expect: TVL011
# style: GAN-free image super-resolution research script with a "spike guard" on the gradient norm
# bug: when the total gradient norm exceeds args.spike_threshold the optimizer step is skipped without counting or logging it, so a run can silently stop updating
import argparse
import logging
import os

import torch
import torch.nn as nn
import torch.nn.functional as F
from torch.utils.data import DataLoader, Dataset

log = logging.getLogger("sr")


class PatchPairs(Dataset):
    def __init__(self, n, hr=96, scale=2):
        self.n, self.hr, self.scale = n, hr, scale

    def __len__(self):
        return self.n

    def __getitem__(self, i):
        g = torch.Generator().manual_seed(i)
        hr = torch.rand(3, self.hr, self.hr, generator=g)
        lr = F.interpolate(hr[None], scale_factor=1 / self.scale, mode="bicubic", align_corners=False)[0]
        return lr.clamp(0, 1), hr


class ResBlock(nn.Module):
    def __init__(self, c):
        super().__init__()
        self.body = nn.Sequential(nn.Conv2d(c, c, 3, padding=1), nn.ReLU(inplace=True), nn.Conv2d(c, c, 3, padding=1))

    def forward(self, x):
        return x + 0.1 * self.body(x)


class EDSRLite(nn.Module):
    def __init__(self, c=64, n_blocks=8, scale=2):
        super().__init__()
        self.head = nn.Conv2d(3, c, 3, padding=1)
        self.body = nn.Sequential(*[ResBlock(c) for _ in range(n_blocks)])
        self.up = nn.Sequential(nn.Conv2d(c, c * scale * scale, 3, padding=1), nn.PixelShuffle(scale))
        self.tail = nn.Conv2d(c, 3, 3, padding=1)

    def forward(self, x):
        h = self.head(x)
        return self.tail(self.up(h + self.body(h)))


def grad_total_norm(params):
    norms = [p.grad.detach().norm(2) for p in params if p.grad is not None]
    return torch.norm(torch.stack(norms), 2).item() if norms else 0.0


def psnr(sr, hr):
    mse = F.mse_loss(sr.clamp(0, 1), hr).item()
    return 10 * torch.log10(torch.tensor(1.0 / max(mse, 1e-10))).item()


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--epochs", type=int, default=30)
    ap.add_argument("--lr", type=float, default=2e-4)
    ap.add_argument("--spike-threshold", type=float, default=50.0)
    ap.add_argument("--ckpt-dir", default="edsr_ckpt")
    args = ap.parse_args()
    logging.basicConfig(level=logging.INFO)
    os.makedirs(args.ckpt_dir, exist_ok=True)
    device = "cuda" if torch.cuda.is_available() else "cpu"

    train_loader = DataLoader(PatchPairs(2000), batch_size=16, shuffle=True, num_workers=4)
    val_loader = DataLoader(PatchPairs(100), batch_size=10)
    model = EDSRLite().to(device)
    opt = torch.optim.Adam(model.parameters(), lr=args.lr, betas=(0.9, 0.99))
    sched = torch.optim.lr_scheduler.MultiStepLR(opt, milestones=[15, 25], gamma=0.5)

    for epoch in range(args.epochs):
        model.train()
        epoch_l1 = 0.0
        for lr_img, hr_img in train_loader:
            lr_img, hr_img = lr_img.to(device), hr_img.to(device)
            loss = F.l1_loss(model(lr_img), hr_img)
            opt.zero_grad()
            loss.backward()
            gnorm = grad_total_norm(model.parameters())
            if gnorm < args.spike_threshold:
                opt.step()
            epoch_l1 += loss.item()
        sched.step()

        model.eval()
        with torch.no_grad():
            scores = [psnr(model(l.to(device)), h.to(device)) for l, h in val_loader]
        log.info("epoch %d l1 %.4f psnr %.2f lr %.1e", epoch, epoch_l1 / len(train_loader),
                 sum(scores) / len(scores), sched.get_last_lr()[0])
        torch.save(model.state_dict(), os.path.join(args.ckpt_dir, "edsr_last.pt"))


if __name__ == "__main__":
    main()
