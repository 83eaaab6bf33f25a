# expect: clean
# style: accelerate-like loop on GPU that keeps the running loss on device to avoid a sync per step, image-to-image (depth estimation)
# note: total_loss += ... accumulates a tensor across iterations, but it is loss.detach(), so no autograd graph is retained; .item() is called once per logging interval
import argparse
import logging

import torch
import torch.nn as nn
import torch.nn.functional as F
from torch.utils.data import DataLoader, TensorDataset

log = logging.getLogger("depth")


class DepthNet(nn.Module):
    def __init__(self, c=32):
        super().__init__()
        self.down = nn.Sequential(
            nn.Conv2d(3, c, 3, 2, 1), nn.BatchNorm2d(c), nn.ReLU(),
            nn.Conv2d(c, 2 * c, 3, 2, 1), nn.BatchNorm2d(2 * c), nn.ReLU(),
            nn.Conv2d(2 * c, 4 * c, 3, 2, 1), nn.BatchNorm2d(4 * c), nn.ReLU(),
        )
        self.up = nn.Sequential(
            nn.Upsample(scale_factor=2), nn.Conv2d(4 * c, 2 * c, 3, padding=1), nn.ReLU(),
            nn.Upsample(scale_factor=2), nn.Conv2d(2 * c, c, 3, padding=1), nn.ReLU(),
            nn.Upsample(scale_factor=2), nn.Conv2d(c, 1, 3, padding=1),
        )

    def forward(self, x):
        return F.softplus(self.up(self.down(x)))


def scale_invariant_loss(pred, gt, lam=0.85, eps=1e-6):
    d = torch.log(pred + eps) - torch.log(gt + eps)
    return torch.sqrt((d ** 2).mean() - lam * d.mean() ** 2 + eps)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--epochs", type=int, default=20)
    ap.add_argument("--lr", type=float, default=2e-4)
    ap.add_argument("--log-every", type=int, default=50)
    args = ap.parse_args()
    logging.basicConfig(level=logging.INFO)
    device = "cuda" if torch.cuda.is_available() else "cpu"

    imgs = torch.rand(3000, 3, 128, 160)
    depth = torch.rand(3000, 1, 128, 160) * 9 + 0.5
    train_dl = DataLoader(TensorDataset(imgs[:2700], depth[:2700]), batch_size=16, shuffle=True, drop_last=True)
    val_dl = DataLoader(TensorDataset(imgs[2700:], depth[2700:]), batch_size=32)

    model = DepthNet().to(device)
    opt = torch.optim.AdamW(model.parameters(), lr=args.lr, weight_decay=1e-4)
    sched = torch.optim.lr_scheduler.CosineAnnealingLR(opt, T_max=args.epochs)

    for epoch in range(args.epochs):
        model.train()
        total_loss = torch.zeros((), device=device)
        for step, (x, y) in enumerate(train_dl, 1):
            x, y = x.to(device), y.to(device)
            loss = scale_invariant_loss(model(x), y)
            opt.zero_grad(set_to_none=True)
            loss.backward()
            opt.step()
            total_loss += loss.detach()
            if step % args.log_every == 0:
                log.info("epoch %d step %d avg loss %.4f", epoch, step, (total_loss / step).item())
        sched.step()

        model.eval()
        abs_rel, n = 0.0, 0
        with torch.no_grad():
            for x, y in val_dl:
                p = model(x.to(device))
                abs_rel += ((p - y.to(device)).abs() / y.to(device)).mean((1, 2, 3)).sum().item()
                n += x.size(0)
        log.info("epoch %d train %.4f val AbsRel %.4f", epoch, (total_loss / len(train_dl)).item(), abs_rel / n)
    torch.save(model.state_dict(), "depthnet.pt")


if __name__ == "__main__":
    main()
