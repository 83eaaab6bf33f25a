# expect: TVL005
# style: timm-like minimal ViT in one file, CIFAR-sized synthetic images, CPU run
# bug: cls_token and pos_embed are created as plain tensors with requires_grad=True instead of nn.Parameter, so they are not in model.parameters() and the optimizer never updates them.
import argparse
import math

import torch
import torch.nn as nn
import torch.nn.functional as F
from torch.utils.data import DataLoader, TensorDataset


class PatchEmbed(nn.Module):
    def __init__(self, img=32, patch=4, cin=3, dim=192):
        super().__init__()
        self.n = (img // patch) ** 2
        self.proj = nn.Conv2d(cin, dim, patch, patch)

    def forward(self, x):
        return self.proj(x).flatten(2).transpose(1, 2)


class Mlp(nn.Module):
    def __init__(self, dim, ratio=4.0, drop=0.0):
        super().__init__()
        self.fc1 = nn.Linear(dim, int(dim * ratio))
        self.fc2 = nn.Linear(int(dim * ratio), dim)
        self.drop = nn.Dropout(drop)

    def forward(self, x):
        return self.drop(self.fc2(self.drop(F.gelu(self.fc1(x)))))


class Block(nn.Module):
    def __init__(self, dim, heads, drop=0.0):
        super().__init__()
        self.norm1 = nn.LayerNorm(dim)
        self.attn = nn.MultiheadAttention(dim, heads, dropout=drop, batch_first=True)
        self.norm2 = nn.LayerNorm(dim)
        self.mlp = Mlp(dim, drop=drop)

    def forward(self, x):
        h = self.norm1(x)
        x = x + self.attn(h, h, h, need_weights=False)[0]
        return x + self.mlp(self.norm2(x))


class ViT(nn.Module):
    def __init__(self, img=32, patch=4, dim=192, depth=6, heads=3, n_cls=10, drop=0.1):
        super().__init__()
        self.patch_embed = PatchEmbed(img, patch, 3, dim)
        n = self.patch_embed.n
        self.cls_token = torch.zeros(1, 1, dim, requires_grad=True)
        self.pos_embed = torch.zeros(1, n + 1, dim, requires_grad=True)
        nn.init.trunc_normal_(self.pos_embed, std=0.02)
        nn.init.trunc_normal_(self.cls_token, std=0.02)
        self.pos_drop = nn.Dropout(drop)
        self.blocks = nn.Sequential(*[Block(dim, heads, drop) for _ in range(depth)])
        self.norm = nn.LayerNorm(dim)
        self.head = nn.Linear(dim, n_cls)
        self.apply(self._init)

    @staticmethod
    def _init(m):
        if isinstance(m, nn.Linear):
            nn.init.trunc_normal_(m.weight, std=0.02)
            if m.bias is not None:
                nn.init.zeros_(m.bias)

    def forward(self, x):
        x = self.patch_embed(x)
        cls = self.cls_token.expand(x.size(0), -1, -1)
        x = self.pos_drop(torch.cat([cls, x], 1) + self.pos_embed)
        return self.head(self.norm(self.blocks(x))[:, 0])


def cosine_lr(step, total, base, warmup):
    if step < warmup:
        return base * (step + 1) / warmup
    return 0.5 * base * (1 + math.cos(math.pi * (step - warmup) / max(1, total - warmup)))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--epochs", type=int, default=10)
    ap.add_argument("--bs", type=int, default=128)
    ap.add_argument("--lr", type=float, default=1e-3)
    ap.add_argument("--warmup-epochs", type=int, default=1)
    args = ap.parse_args()
    torch.manual_seed(0)

    train = TensorDataset(torch.randn(5000, 3, 32, 32), torch.randint(0, 10, (5000,)))
    test = TensorDataset(torch.randn(1000, 3, 32, 32), torch.randint(0, 10, (1000,)))
    train_dl = DataLoader(train, batch_size=args.bs, shuffle=True, drop_last=True)
    test_dl = DataLoader(test, batch_size=512)

    model = ViT()
    opt = torch.optim.AdamW(model.parameters(), lr=args.lr, weight_decay=0.05)
    total = args.epochs * len(train_dl)
    warm = args.warmup_epochs * len(train_dl)
    step = 0
    for epoch in range(args.epochs):
        model.train()
        running = 0.0
        for x, y in train_dl:
            for g in opt.param_groups:
                g["lr"] = cosine_lr(step, total, args.lr, warm)
            loss = F.cross_entropy(model(x), y, label_smoothing=0.1)
            opt.zero_grad()
            loss.backward()
            opt.step()
            running += loss.item()
            step += 1
        model.eval()
        correct = 0
        with torch.no_grad():
            for x, y in test_dl:
                correct += (model(x).argmax(-1) == y).sum().item()
        print(f"epoch {epoch} loss {running / len(train_dl):.3f} acc {correct / len(test):.3f}")


if __name__ == "__main__":
    main()
