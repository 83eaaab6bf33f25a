# expect: TVL014
# style: research repo (ViT-tiny on synthetic images) with --resume flag
# bug: the --resume path from the command line is passed straight to torch.load without weights_only=True, unpickling arbitrary objects from a user-supplied file.
import argparse
import os

import torch
import torch.nn as nn
import torch.nn.functional as F
from torch.utils.data import DataLoader, TensorDataset


class PatchEmbed(nn.Module):
    def __init__(self, img=32, patch=4, d=192):
        super().__init__()
        self.proj = nn.Conv2d(3, d, patch, patch)
        self.n = (img // patch) ** 2

    def forward(self, x):
        return self.proj(x).flatten(2).transpose(1, 2)


class ViTTiny(nn.Module):
    def __init__(self, n_classes=100, d=192, depth=6, heads=3):
        super().__init__()
        self.patch = PatchEmbed(d=d)
        self.cls = nn.Parameter(torch.zeros(1, 1, d))
        self.pos = nn.Parameter(torch.randn(1, self.patch.n + 1, d) * 0.02)
        layer = nn.TransformerEncoderLayer(d, heads, 4 * d, dropout=0.1, activation="gelu", batch_first=True, norm_first=True)
        self.blocks = nn.TransformerEncoder(layer, depth)
        self.norm = nn.LayerNorm(d)
        self.head = nn.Linear(d, n_classes)

    def forward(self, x):
        x = self.patch(x)
        x = torch.cat([self.cls.expand(x.size(0), -1, -1), x], 1) + self.pos
        return self.head(self.norm(self.blocks(x))[:, 0])


def get_args():
    p = argparse.ArgumentParser()
    p.add_argument("--epochs", type=int, default=100)
    p.add_argument("--lr", type=float, default=1e-3)
    p.add_argument("--resume", type=str, default="")
    p.add_argument("--output", type=str, default="runs/vit")
    return p.parse_args()


def main():
    args = get_args()
    os.makedirs(args.output, exist_ok=True)
    model = ViTTiny()
    opt = torch.optim.AdamW(model.parameters(), lr=args.lr, weight_decay=0.05)
    sched = torch.optim.lr_scheduler.CosineAnnealingLR(opt, T_max=args.epochs)
    start_epoch = 0
    if args.resume:
        ckpt = torch.load(args.resume, map_location="cpu")
        model.load_state_dict(ckpt["model"])
        opt.load_state_dict(ckpt["optimizer"])
        sched.load_state_dict(ckpt["scheduler"])
        start_epoch = ckpt["epoch"] + 1
        print(f"resumed from {args.resume} at epoch {start_epoch}")

    dl = DataLoader(TensorDataset(torch.randn(5000, 3, 32, 32), torch.randint(0, 100, (5000,))), batch_size=128, shuffle=True)
    for epoch in range(start_epoch, args.epochs):
        model.train()
        tot = 0.0
        for x, y in dl:
            opt.zero_grad()
            loss = F.cross_entropy(model(x), y, label_smoothing=0.1)
            loss.backward()
            opt.step()
            tot += loss.item()
        sched.step()
        print(f"epoch {epoch} loss {tot / len(dl):.4f}")
        torch.save({"model": model.state_dict(), "optimizer": opt.state_dict(), "scheduler": sched.state_dict(), "epoch": epoch},
                   os.path.join(args.output, "last.pth"))


if __name__ == "__main__":
    main()
