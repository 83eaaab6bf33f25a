# expect: TVL016
# style: utility-module style AMP helper (amp_backward_step) used by a GAN-free image denoiser training loop
# bug: amp_backward_step() builds a new GradScaler on every call and runs scaler.step(optimizer) without ever calling scaler.update(), so the loss scale never adapts (it stays at the initial 65536 and overflowing steps are skipped forever instead of lowering the scale)
import argparse
import logging
import os

import torch
import torch.nn as nn
import torch.nn.functional as F
from torch.utils.data import DataLoader, TensorDataset

log = logging.getLogger("denoise")


# ----------------------------------------------------------------- amp utils
def autocast_ctx(enabled):
    return torch.autocast(device_type="cuda", dtype=torch.float16, enabled=enabled)


def amp_backward_step(loss, optimizer, enabled=True):
    """Scale the loss, backprop and step; returns the scale that was used."""
    scaler = torch.amp.GradScaler("cuda", enabled=enabled)
    scaler.scale(loss).backward()
    scaler.step(optimizer)
    return scaler.get_scale() if enabled else 1.0


# ----------------------------------------------------------------- model
class DnCNN(nn.Module):
    def __init__(self, depth=12, ch=64):
        super().__init__()
        layers = [nn.Conv2d(1, ch, 3, padding=1), nn.ReLU(inplace=True)]
        for _ in range(depth - 2):
            layers += [nn.Conv2d(ch, ch, 3, padding=1, bias=False), nn.BatchNorm2d(ch), nn.ReLU(inplace=True)]
        layers.append(nn.Conv2d(ch, 1, 3, padding=1))
        self.body = nn.Sequential(*layers)

    def forward(self, noisy):
        return noisy - self.body(noisy)


def psnr(x, y):
    mse = F.mse_loss(x.clamp(0, 1), y, reduction="none").mean(dim=(1, 2, 3))
    return (10 * torch.log10(1.0 / mse)).mean().item()


def make_clean(n, seed):
    g = torch.Generator().manual_seed(seed)
    base = torch.rand(n, 1, 8, 8, generator=g)
    return F.interpolate(base, size=(64, 64), mode="bicubic", align_corners=False).clamp(0, 1)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--sigma", type=float, default=25 / 255)
    ap.add_argument("--epochs", type=int, default=20)
    ap.add_argument("--lr", type=float, default=1e-3)
    ap.add_argument("--out", default="dncnn_out")
    args = ap.parse_args()
    logging.basicConfig(level=logging.INFO)
    os.makedirs(args.out, exist_ok=True)
    device = "cuda" if torch.cuda.is_available() else "cpu"
    amp = device == "cuda"

    train_dl = DataLoader(TensorDataset(make_clean(4000, 0)), batch_size=32, shuffle=True, drop_last=True)
    val_dl = DataLoader(TensorDataset(make_clean(400, 1)), batch_size=100)
    model = DnCNN().to(device)
    opt = torch.optim.Adam(model.parameters(), lr=args.lr)
    sched = torch.optim.lr_scheduler.MultiStepLR(opt, milestones=[10, 15], gamma=0.2)

    for epoch in range(args.epochs):
        model.train()
        tot = 0.0
        for (clean,) in train_dl:
            clean = clean.to(device)
            noisy = clean + args.sigma * torch.randn_like(clean)
            opt.zero_grad(set_to_none=True)
            with autocast_ctx(amp):
                loss = F.mse_loss(model(noisy), clean)
            scale = amp_backward_step(loss, opt, enabled=amp)
            tot += loss.item()
        sched.step()

        model.eval()
        scores = []
        g = torch.Generator(device="cpu").manual_seed(123)
        with torch.no_grad():
            for (clean,) in val_dl:
                noisy = clean + args.sigma * torch.randn(clean.shape, generator=g)
                scores.append(psnr(model(noisy.to(device)).cpu(), clean))
        log.info("epoch %d loss %.5f val_psnr %.2f scale %.0f", epoch, tot / len(train_dl), sum(scores) / len(scores), scale)
        torch.save(model.state_dict(), os.path.join(args.out, "dncnn.pt"))


if __name__ == "__main__":
    main()
