# expect: TVL005
# style: vision transformer with hand-written multi-head attention (JAX/Flax ViT port to PyTorch), CIFAR-sized inputs
# bug: _init_tokens() creates cls_token and pos_embed as plain tensors with requires_grad=True instead of nn.Parameter, so the optimizer never sees them (and .to(device) leaves them behind)
import math
import argparse
import torch
import torch.nn as nn
import torch.nn.functional as F
from einops import rearrange
from torch.utils.data import DataLoader, TensorDataset


class MultiHeadSelfAttention(nn.Module):
    def __init__(self, dim, heads):
        super().__init__()
        self.heads, self.scale = heads, (dim // heads) ** -0.5
        self.qkv = nn.Linear(dim, dim * 3)
        self.proj = nn.Linear(dim, dim)

    def forward(self, x):
        q, k, v = rearrange(self.qkv(x), "b n (three h d) -> three b h n d", three=3, h=self.heads)
        attn = (q @ k.transpose(-2, -1)) * self.scale
        out = attn.softmax(dim=-1) @ v
        return self.proj(rearrange(out, "b h n d -> b n (h d)"))


class EncoderBlock(nn.Module):
    def __init__(self, dim, heads, mlp_ratio=4):
        super().__init__()
        self.ln1, self.ln2 = nn.LayerNorm(dim), nn.LayerNorm(dim)
        self.attn = MultiHeadSelfAttention(dim, heads)
        self.mlp = nn.Sequential(nn.Linear(dim, dim * mlp_ratio), nn.GELU(), nn.Linear(dim * mlp_ratio, dim))

    def forward(self, x):
        x = x + self.attn(self.ln1(x))
        return x + self.mlp(self.ln2(x))


class ViT(nn.Module):
    def __init__(self, img=32, patch=4, dim=192, depth=6, heads=3, n_classes=10):
        super().__init__()
        self.patch_embed = nn.Conv2d(3, dim, patch, stride=patch)
        self.num_patches = (img // patch) ** 2
        self._init_tokens(dim)
        self.blocks = nn.Sequential(*[EncoderBlock(dim, heads) for _ in range(depth)])
        self.norm = nn.LayerNorm(dim)
        self.head = nn.Linear(dim, n_classes)

    def _init_tokens(self, dim):
        self.cls_token = torch.zeros(1, 1, dim, requires_grad=True)
        self.pos_embed = torch.randn(1, self.num_patches + 1, dim).mul_(0.02).requires_grad_()

    def forward(self, x):
        x = rearrange(self.patch_embed(x), "b c h w -> b (h w) c")
        cls = self.cls_token.expand(x.size(0), -1, -1)
        x = torch.cat([cls, x], dim=1) + self.pos_embed
        return self.head(self.norm(self.blocks(x))[:, 0])


if __name__ == "__main__":
    ap = argparse.ArgumentParser()
    ap.add_argument("--epochs", type=int, default=50)
    ap.add_argument("--warmup_epochs", type=int, default=5)
    args = ap.parse_args()
    ds = TensorDataset(torch.randn(2048, 3, 32, 32), torch.randint(0, 10, (2048,)))
    loader = DataLoader(ds, batch_size=128, shuffle=True, drop_last=True)
    model = ViT()
    opt = torch.optim.AdamW(model.parameters(), lr=1e-3, weight_decay=0.05)
    lr_at = lambda e: (e + 1) / args.warmup_epochs if e < args.warmup_epochs else \
        0.5 * (1 + math.cos(math.pi * (e - args.warmup_epochs) / (args.epochs - args.warmup_epochs)))
    sched = torch.optim.lr_scheduler.LambdaLR(opt, lr_at)
    for epoch in range(args.epochs):
        model.train()
        for imgs, labels in loader:
            loss = F.cross_entropy(model(imgs), labels, label_smoothing=0.1)
            opt.zero_grad()
            loss.backward()
            opt.step()
        sched.step()
        print(f"epoch {epoch} loss {loss.item():.3f} lr {sched.get_last_lr()[0]:.2e}")
