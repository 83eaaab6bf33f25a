# expect: TVL005
# style: small ViT for image classification, research repo with helper initialisers
# bug: make_pos_embedding() returns a plain tensor with requires_grad set; assigned as an attribute it is never registered, so the positional embedding and cls token are not optimized
import argparse
import math

import torch
import torch.nn as nn
import torch.nn.functional as F
from torch.utils.data import DataLoader, TensorDataset


def trunc_normal(shape, std=0.02):
    t = torch.empty(shape)
    nn.init.trunc_normal_(t, std=std, a=-2 * std, b=2 * std)
    return t


def make_pos_embedding(n_tokens, dim):
    return trunc_normal((1, n_tokens, dim)).requires_grad_()


def make_cls_token(dim):
    return torch.zeros(1, 1, dim, requires_grad=True)


class PatchEmbed(nn.Module):
    def __init__(self, img=32, patch=4, dim=192):
        super().__init__()
        self.proj = nn.Conv2d(3, dim, patch, patch)
        self.n_patches = (img // patch) ** 2

    def forward(self, x):
        return self.proj(x).flatten(2).transpose(1, 2)


class ViT(nn.Module):
    def __init__(self, n_classes=10, dim=192, depth=6, heads=3, img=32, patch=4):
        super().__init__()
        self.patch = PatchEmbed(img, patch, dim)
        self.cls_token = make_cls_token(dim)
        self.pos_embed = make_pos_embedding(self.patch.n_patches + 1, dim)
        layer = nn.TransformerEncoderLayer(dim, heads, 4 * dim, dropout=0.1, activation="gelu",
                                           batch_first=True, norm_first=True)
        self.encoder = nn.TransformerEncoder(layer, depth)
        self.norm = nn.LayerNorm(dim)
        self.head = nn.Linear(dim, n_classes)

    def forward(self, x):
        x = self.patch(x)
        cls = self.cls_token.expand(x.size(0), -1, -1)
        x = torch.cat([cls, x], 1) + self.pos_embed
        x = self.encoder(x)
        return self.head(self.norm(x[:, 0]))


def cosine_lr(step, total, warmup, base):
    if step < warmup:
        return base * step / warmup
    return 0.5 * base * (1 + math.cos(math.pi * (step - warmup) / (total - warmup)))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--epochs", type=int, default=30)
    ap.add_argument("--bs", type=int, default=128)
    ap.add_argument("--lr", type=float, default=1e-3)
    args = ap.parse_args()

    x = torch.randn(5000, 3, 32, 32)
    y = torch.randint(0, 10, (5000,))
    train_loader = DataLoader(TensorDataset(x[:4500], y[:4500]), batch_size=args.bs, shuffle=True, drop_last=True)
    test_loader = DataLoader(TensorDataset(x[4500:], y[4500:]), batch_size=500)

    model = ViT()
    opt = torch.optim.AdamW(model.parameters(), lr=args.lr, weight_decay=0.05)
    total = args.epochs * len(train_loader)
    step = 0
    for epoch in range(args.epochs):
        model.train()
        for xb, yb in train_loader:
            for g in opt.param_groups:
                g["lr"] = cosine_lr(step, total, 5 * len(train_loader), args.lr)
            loss = F.cross_entropy(model(xb), yb, label_smoothing=0.1)
            opt.zero_grad()
            loss.backward()
            opt.step()
            step += 1
        model.eval()
        with torch.no_grad():
            acc = sum((model(xb).argmax(1) == yb).sum().item() for xb, yb in test_loader) / 500
        print(f"epoch {epoch} loss {loss.item():.3f} acc {acc:.3f}")


if __name__ == "__main__":
    main()
