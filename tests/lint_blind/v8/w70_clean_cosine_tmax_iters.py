# expect: clean
# style: config-dict factories, per-iteration cosine schedule for a masked autoencoder on small images
# note: CosineAnnealingLR is stepped after every batch (looks like an epoch scheduler stepped per batch), but build_scheduler sets T_max = epochs * iters_per_epoch, i.e. the schedule is measured in iterations
import math
import os

import torch
import torch.nn as nn
import torch.nn.functional as F
from torch.utils.data import DataLoader, TensorDataset

CFG = {
    "img": 32, "patch": 4, "mask_ratio": 0.75,
    "enc_dim": 192, "dec_dim": 128, "enc_depth": 6, "dec_depth": 2,
    "epochs": 100, "batch_size": 256, "base_lr": 1.5e-4, "wd": 0.05,
    "out": "runs/mae",
}


class MAE(nn.Module):
    def __init__(self, cfg):
        super().__init__()
        p, d, dd = cfg["patch"], cfg["enc_dim"], cfg["dec_dim"]
        self.p = p
        self.n = (cfg["img"] // p) ** 2
        self.embed = nn.Linear(3 * p * p, d)
        self.pos = nn.Parameter(torch.randn(1, self.n, d) * 0.02)
        self.encoder = nn.TransformerEncoder(nn.TransformerEncoderLayer(d, 3, 4 * d, 0.0, batch_first=True, norm_first=True), cfg["enc_depth"])
        self.to_dec = nn.Linear(d, dd)
        self.mask_token = nn.Parameter(torch.zeros(1, 1, dd))
        self.dec_pos = nn.Parameter(torch.randn(1, self.n, dd) * 0.02)
        self.decoder = nn.TransformerEncoder(nn.TransformerEncoderLayer(dd, 4, 4 * dd, 0.0, batch_first=True, norm_first=True), cfg["dec_depth"])
        self.pred = nn.Linear(dd, 3 * p * p)
        self.mask_ratio = cfg["mask_ratio"]

    def patchify(self, x):
        B, C, H, W = x.shape
        x = x.unfold(2, self.p, self.p).unfold(3, self.p, self.p)
        return x.permute(0, 2, 3, 1, 4, 5).reshape(B, -1, C * self.p * self.p)

    def forward(self, imgs):
        patches = self.patchify(imgs)
        B = patches.size(0)
        keep = int(self.n * (1 - self.mask_ratio))
        noise = torch.rand(B, self.n, device=imgs.device)
        ids_shuffle = noise.argsort(1)
        ids_restore = ids_shuffle.argsort(1)
        ids_keep = ids_shuffle[:, :keep]
        x = self.embed(patches) + self.pos
        x = torch.gather(x, 1, ids_keep[..., None].expand(-1, -1, x.size(-1)))
        x = self.to_dec(self.encoder(x))
        x = torch.cat([x, self.mask_token.expand(B, self.n - keep, -1)], 1)
        x = torch.gather(x, 1, ids_restore[..., None].expand(-1, -1, x.size(-1))) + self.dec_pos
        pred = self.pred(self.decoder(x))
        mask = torch.ones(B, self.n, device=imgs.device)
        mask[:, :keep] = 0
        mask = torch.gather(mask, 1, ids_restore)
        return ((pred - patches) ** 2).mean(-1).mul(mask).sum() / mask.sum()


def build_optimizer(model, cfg):
    lr = cfg["base_lr"] * cfg["batch_size"] / 256
    return torch.optim.AdamW(model.parameters(), lr=lr, betas=(0.9, 0.95), weight_decay=cfg["wd"])


def build_scheduler(optimizer, cfg, iters_per_epoch):
    total_iters = cfg["epochs"] * iters_per_epoch
    return torch.optim.lr_scheduler.CosineAnnealingLR(optimizer, T_max=total_iters, eta_min=1e-6)


def train_one_epoch(model, loader, optimizer, scheduler, device):
    model.train()
    total = 0.0
    for (x,) in loader:
        x = x.to(device, non_blocking=True)
        loss = model(x)
        optimizer.zero_grad(set_to_none=True)
        loss.backward()
        optimizer.step()
        scheduler.step()
        total += loss.item()
    return total / len(loader)


def main(cfg):
    os.makedirs(cfg["out"], exist_ok=True)
    device = "cuda" if torch.cuda.is_available() else "cpu"
    data = torch.rand(20000, 3, cfg["img"], cfg["img"])
    loader = DataLoader(TensorDataset(data), batch_size=cfg["batch_size"], shuffle=True, drop_last=True, num_workers=4)
    model = MAE(cfg).to(device)
    optimizer = build_optimizer(model, cfg)
    scheduler = build_scheduler(optimizer, cfg, len(loader))
    for epoch in range(cfg["epochs"]):
        loss = train_one_epoch(model, loader, optimizer, scheduler, device)
        print(f"epoch {epoch:03d} recon {loss:.4f} lr {scheduler.get_last_lr()[0]:.2e} (log10 {math.log10(scheduler.get_last_lr()[0]):.2f})")
        if (epoch + 1) % 20 == 0:
            torch.save({"model": model.state_dict(), "epoch": epoch}, os.path.join(cfg["out"], f"mae_{epoch + 1}.pth"))


if __name__ == "__main__":
    main(CFG)
