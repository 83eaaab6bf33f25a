# expect: clean
# style: AMP training of a UNet denoiser with a `StepMonitor` that detects GradScaler-skipped steps
# note: optimizer steps can be skipped (GradScaler skips on inf/NaN gradients; TVL011 look-alike), but the skip is the scaler's own documented behaviour and the monitor counts and logs every skip via the scale drop; unscale_ precedes clipping and update() follows every step
import argparse
import logging
import os

import torch
import torch.nn as nn
import torch.nn.functional as F
from torch.utils.data import DataLoader, TensorDataset

log = logging.getLogger("denoise")


class StepMonitor:
    def __init__(self):
        self.skipped = 0
        self.total = 0

    def observe(self, scale_before, scale_after, step):
        self.total += 1
        if scale_after < scale_before:
            self.skipped += 1
            log.warning("step %d skipped by GradScaler (scale %.0f -> %.0f), %d/%d skipped so far",
                        step, scale_before, scale_after, self.skipped, self.total)


def save_checkpoint(path, model, opt, scaler, epoch, monitor):
    torch.save({
        "model": model.state_dict(),
        "opt": opt.state_dict(),
        "scaler": scaler.state_dict(),
        "epoch": epoch,
        "skipped_steps": monitor.skipped,
        "total_steps": monitor.total,
    }, path)


def conv_block(i, o):
    return nn.Sequential(nn.Conv2d(i, o, 3, padding=1), nn.GroupNorm(8, o), nn.SiLU(),
                         nn.Conv2d(o, o, 3, padding=1), nn.GroupNorm(8, o), nn.SiLU())


class DenoiseUNet(nn.Module):
    def __init__(self, c=32):
        super().__init__()
        self.d1, self.d2 = conv_block(3, c), conv_block(c, 2 * c)
        self.mid = conv_block(2 * c, 2 * c)
        self.u2 = nn.ConvTranspose2d(2 * c, c, 2, 2)
        self.dec = conv_block(2 * c, c)
        self.out = nn.Conv2d(c, 3, 1)

    def forward(self, x):
        a = self.d1(x)
        b = self.mid(self.d2(F.avg_pool2d(a, 2)))
        return x - self.out(self.dec(torch.cat([self.u2(b), a], 1)))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--epochs", type=int, default=30)
    ap.add_argument("--sigma", type=float, default=0.1)
    ap.add_argument("--lr", type=float, default=3e-4)
    args = ap.parse_args()
    logging.basicConfig(level=logging.INFO)
    device = torch.device("cuda" if torch.cuda.is_available() else "cpu")
    amp = device.type == "cuda"
    clean = torch.rand(4000, 3, 64, 64)
    train_dl = DataLoader(TensorDataset(clean[:3600]), batch_size=32, shuffle=True, num_workers=4, drop_last=True)
    val_dl = DataLoader(TensorDataset(clean[3600:]), batch_size=64)
    model = DenoiseUNet().to(device)
    opt = torch.optim.AdamW(model.parameters(), lr=args.lr)
    scaler = torch.cuda.amp.GradScaler(enabled=amp)
    monitor = StepMonitor()
    step = 0
    for epoch in range(args.epochs):
        model.train()
        tot = 0.0
        for (x,) in train_dl:
            x = x.to(device)
            noisy = x + args.sigma * torch.randn_like(x)
            with torch.autocast(device_type=device.type, enabled=amp):
                loss = F.mse_loss(model(noisy).float(), x)
            opt.zero_grad(set_to_none=True)
            scaler.scale(loss).backward()
            scaler.unscale_(opt)
            nn.utils.clip_grad_norm_(model.parameters(), 1.0)
            before = scaler.get_scale()
            scaler.step(opt)
            scaler.update()
            if amp:
                monitor.observe(before, scaler.get_scale(), step)
            tot += loss.item()
            step += 1
        model.eval()
        psnr = []
        with torch.no_grad():
            for (x,) in val_dl:
                x = x.to(device)
                out = model(x + args.sigma * torch.randn_like(x)).clamp(0, 1)
                psnr.append((10 * torch.log10(1 / F.mse_loss(out, x))).item())
        log.info("epoch %d loss %.5f val PSNR %.2f skipped %d/%d", epoch, tot / len(train_dl),
                 sum(psnr) / len(psnr), monitor.skipped, monitor.total)
        os.makedirs("denoise_out", exist_ok=True)
        save_checkpoint("denoise_out/last.pt", model, opt, scaler, epoch, monitor)
    if monitor.total and monitor.skipped / monitor.total > 0.05:
        log.warning("more than 5%% of steps were skipped; consider lowering the LR or disabling fp16")
    torch.save(model.state_dict(), "denoise_out/unet.pt")


if __name__ == "__main__":
    main()
