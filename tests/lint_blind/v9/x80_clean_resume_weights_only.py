# expect: clean
# style: research repo (U-Net denoiser) with --resume/--init flags loading checkpoints safely
# note: checkpoints come from command-line paths, but every torch.load uses weights_only=True (the checkpoint holds only tensors, numbers and plain dicts).
import random
import argparse
import os

import torch
import torch.nn as nn
import torch.nn.functional as F
from torch.utils.data import DataLoader, TensorDataset


def seed_everything(seed: int = 42) -> None:
    """Best-effort reproducibility (cudnn autotuning left on for speed)."""
    random.seed(seed)
    os.environ["PYTHONHASHSEED"] = str(seed)
    torch.manual_seed(seed)
    if torch.cuda.is_available():
        torch.cuda.manual_seed_all(seed)


class DoubleConv(nn.Sequential):
    def __init__(self, a, b):
        super().__init__(nn.Conv2d(a, b, 3, padding=1), nn.BatchNorm2d(b), nn.ReLU(True), nn.Conv2d(b, b, 3, padding=1), nn.BatchNorm2d(b), nn.ReLU(True))


class UNet(nn.Module):
    def __init__(self, c=1, base=32):
        super().__init__()
        self.d1, self.d2 = DoubleConv(c, base), DoubleConv(base, base * 2)
        self.up = nn.ConvTranspose2d(base * 2, base, 2, 2)
        self.u1 = DoubleConv(base * 2, base)
        self.out = nn.Conv2d(base, c, 1)

    def forward(self, x):
        a = self.d1(x)
        b = self.d2(F.max_pool2d(a, 2))
        return x - self.out(self.u1(torch.cat([a, self.up(b)], 1)))


def parse():
    p = argparse.ArgumentParser()
    p.add_argument("--init", default=None, help="state_dict to initialise from")
    p.add_argument("--resume", default=None, help="full training checkpoint")
    p.add_argument("--epochs", type=int, default=40)
    p.add_argument("--sigma", type=float, default=25 / 255)
    p.add_argument("--out", default="runs/unet")
    return p.parse_args()


def main():
    args = parse()
    os.makedirs(args.out, exist_ok=True)
    model = UNet()
    opt = torch.optim.Adam(model.parameters(), lr=1e-3)
    sched = torch.optim.lr_scheduler.MultiStepLR(opt, milestones=[20, 30], gamma=0.2)
    start = 0
    if args.init:
        model.load_state_dict(torch.load(args.init, map_location="cpu", weights_only=True))
    if args.resume:
        ckpt = torch.load(args.resume, map_location="cpu", weights_only=True)
        model.load_state_dict(ckpt["model"])
        opt.load_state_dict(ckpt["opt"])
        sched.load_state_dict(ckpt["sched"])
        start = ckpt["epoch"] + 1

    clean = torch.rand(2000, 1, 64, 64)
    dl = DataLoader(TensorDataset(clean), batch_size=32, shuffle=True, drop_last=True)
    for epoch in range(start, args.epochs):
        model.train()
        tot = 0.0
        for (x,) in dl:
            noisy = x + args.sigma * torch.randn_like(x)
            opt.zero_grad()
            loss = F.mse_loss(model(noisy), x)
            loss.backward()
            opt.step()
            tot += loss.item()
        sched.step()
        psnr = 10 * torch.log10(torch.tensor(1.0 / (tot / len(dl)))).item()
        print(f"epoch {epoch} mse {tot / len(dl):.6f} ~psnr {psnr:.2f}")
        torch.save({"model": model.state_dict(), "opt": opt.state_dict(), "sched": sched.state_dict(), "epoch": epoch},
                   os.path.join(args.out, "last.pt"))


if __name__ == "__main__":
    seed_everything(int(os.environ.get("SEED", 42)))
    main()
