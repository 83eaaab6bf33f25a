# expect: TVL005
# style: timm-like ViT implementation, image classification with argparse
# bug: cls_token and pos_embed are created as plain tensors with requires_grad=True instead of nn.Parameter, so they are not registered, never optimised, not moved by .to(device) and not saved.
import argparse
import math

import torch
import torch.nn as nn
from torch.utils.data import DataLoader, TensorDataset


class PatchEmbed(nn.Module):
    def __init__(self, img_size=32, patch=4, in_ch=3, dim=192):
        super().__init__()
        self.n_patches = (img_size // patch) ** 2
        self.proj = nn.Conv2d(in_ch, dim, patch, patch)

    def forward(self, x):
        return self.proj(x).flatten(2).transpose(1, 2)


class Block(nn.Module):
    def __init__(self, dim, heads, mlp_ratio=4.0, drop=0.0):
        super().__init__()
        self.n1 = nn.LayerNorm(dim)
        self.attn = nn.MultiheadAttention(dim, heads, dropout=drop, batch_first=True)
        self.n2 = nn.LayerNorm(dim)
        self.mlp = nn.Sequential(nn.Linear(dim, int(dim * mlp_ratio)), nn.GELU(), nn.Linear(int(dim * mlp_ratio), dim))

    def forward(self, x):
        h = self.n1(x)
        x = x + self.attn(h, h, h, need_weights=False)[0]
        return x + self.mlp(self.n2(x))


class ViT(nn.Module):
    def __init__(self, img_size=32, patch=4, dim=192, depth=6, heads=3, n_classes=10):
        super().__init__()
        self.patch_embed = PatchEmbed(img_size, patch, 3, dim)
        n = self.patch_embed.n_patches
        self.cls_token = torch.zeros(1, 1, dim, requires_grad=True)
        self.pos_embed = torch.zeros(1, n + 1, dim, requires_grad=True)
        nn.init.trunc_normal_(self.pos_embed, std=0.02)
        nn.init.trunc_normal_(self.cls_token, std=0.02)
        self.blocks = nn.Sequential(*[Block(dim, heads) for _ in range(depth)])
        self.norm = nn.LayerNorm(dim)
        self.head = nn.Linear(dim, n_classes)

    def forward(self, x):
        x = self.patch_embed(x)
        cls = self.cls_token.expand(x.shape[0], -1, -1).to(x.device)
        x = torch.cat([cls, x], dim=1) + self.pos_embed.to(x.device)
        x = self.norm(self.blocks(x))
        return self.head(x[:, 0])


def cosine_lr(step, total, base, warmup):
    if step < warmup:
        return base * step / warmup
    return 0.5 * base * (1 + math.cos(math.pi * (step - warmup) / (total - warmup)))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--epochs", type=int, default=10)
    ap.add_argument("--lr", type=float, default=1e-3)
    ap.add_argument("--warmup", type=int, default=200)
    args = ap.parse_args()
    device = "cuda" if torch.cuda.is_available() else "cpu"
    ds = TensorDataset(torch.randn(4096, 3, 32, 32), torch.randint(0, 10, (4096,)))
    loader = DataLoader(ds, batch_size=128, shuffle=True, drop_last=True)
    model = ViT().to(device)
    opt = torch.optim.AdamW(model.parameters(), lr=args.lr, weight_decay=0.05)
    crit = nn.CrossEntropyLoss(label_smoothing=0.1)
    total = args.epochs * len(loader)
    step = 0
    model.train()
    for epoch in range(args.epochs):
        for x, y in loader:
            for g in opt.param_groups:
                g["lr"] = cosine_lr(step, total, args.lr, args.warmup)
            x, y = x.to(device), y.to(device)
            loss = crit(model(x), y)
            opt.zero_grad(set_to_none=True)
            loss.backward()
            opt.step()
            step += 1
        print(f"epoch {epoch} loss {loss.item():.4f} lr {opt.param_groups[0]['lr']:.2e}")


if __name__ == "__main__":
    main()
