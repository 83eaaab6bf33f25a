# expect: TVL005
# style: CLIP-style contrastive image/text model, single research script (CPU-friendly sizes)
# bug: the learnable logit scale is a plain tensor with requires_grad=True instead of nn.Parameter, so it is not in model.parameters(), never optimised, and not saved in the state_dict
import argparse
import math
import logging

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F
from torch.utils.data import DataLoader, Dataset

logging.basicConfig(level=logging.INFO)
log = logging.getLogger("clip")


class PairDataset(Dataset):
    def __init__(self, n, img_dim, vocab, seq_len, seed=0):
        g = torch.Generator().manual_seed(seed)
        self.latent = torch.randn(n, 16, generator=g)
        self.proj_img = torch.randn(16, img_dim, generator=g)
        self.images = self.latent @ self.proj_img + 0.1 * torch.randn(n, img_dim, generator=g)
        self.tokens = (self.latent[:, :seq_len].abs() * 100).long() % vocab

    def __len__(self):
        return self.images.size(0)

    def __getitem__(self, i):
        return self.images[i], self.tokens[i]


class ImageTower(nn.Module):
    def __init__(self, d_in, d_out):
        super().__init__()
        self.net = nn.Sequential(nn.Linear(d_in, 512), nn.GELU(), nn.Linear(512, d_out))

    def forward(self, x):
        return self.net(x)


class TextTower(nn.Module):
    def __init__(self, vocab, seq_len, d_model, d_out):
        super().__init__()
        self.tok = nn.Embedding(vocab, d_model)
        self.pos = nn.Parameter(torch.zeros(1, seq_len, d_model))
        layer = nn.TransformerEncoderLayer(d_model, 4, 4 * d_model, batch_first=True, dropout=0.0)
        self.enc = nn.TransformerEncoder(layer, 2)
        self.proj = nn.Linear(d_model, d_out)

    def forward(self, t):
        h = self.enc(self.tok(t) + self.pos)
        return self.proj(h.mean(1))


class CLIPLite(nn.Module):
    def __init__(self, img_dim, vocab, seq_len, d_model=128, d_emb=64, init_temp=0.07):
        super().__init__()
        self.image = ImageTower(img_dim, d_emb)
        self.text = TextTower(vocab, seq_len, d_model, d_emb)
        self.logit_scale = torch.tensor(math.log(1 / init_temp), requires_grad=True)

    def forward(self, img, txt):
        zi = F.normalize(self.image(img), dim=-1)
        zt = F.normalize(self.text(txt), dim=-1)
        scale = self.logit_scale.exp().clamp(max=100)
        logits = scale * zi @ zt.t()
        return logits


def clip_loss(logits):
    labels = torch.arange(logits.size(0))
    return 0.5 * (F.cross_entropy(logits, labels) + F.cross_entropy(logits.t(), labels))


@torch.no_grad()
def retrieval_at_1(model, loader):
    model.eval()
    hits, n = 0, 0
    for img, txt in loader:
        logits = model(img, txt)
        hits += (logits.argmax(1) == torch.arange(img.size(0))).sum().item()
        n += img.size(0)
    model.train()
    return hits / n


def cosine_lr(step, total, base, warmup):
    if step < warmup:
        return base * (step + 1) / warmup
    p = (step - warmup) / max(1, total - warmup)
    return 0.5 * base * (1 + math.cos(math.pi * p))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--epochs", type=int, default=10)
    ap.add_argument("--bs", type=int, default=128)
    ap.add_argument("--lr", type=float, default=5e-4)
    ap.add_argument("--warmup", type=int, default=200)
    args = ap.parse_args()
    torch.manual_seed(0)

    train = PairDataset(20000, 256, 1000, 12)
    val = PairDataset(2000, 256, 1000, 12, seed=1)
    train_dl = DataLoader(train, batch_size=args.bs, shuffle=True, drop_last=True)
    val_dl = DataLoader(val, batch_size=256, drop_last=True)

    model = CLIPLite(256, 1000, 12)
    opt = torch.optim.AdamW(model.parameters(), lr=args.lr, weight_decay=0.1)
    total = args.epochs * len(train_dl)
    step = 0
    for epoch in range(args.epochs):
        model.train()
        losses = []
        for img, txt in train_dl:
            for g in opt.param_groups:
                g["lr"] = cosine_lr(step, total, args.lr, args.warmup)
            loss = clip_loss(model(img, txt))
            opt.zero_grad(set_to_none=True)
            loss.backward()
            opt.step()
            losses.append(loss.item())
            step += 1
        r1 = retrieval_at_1(model, val_dl)
        log.info("epoch %d loss %.4f R@1 %.4f temp %.4f", epoch, np.mean(losses), r1,
                 1.0 / model.logit_scale.exp().item())
    torch.save(model.state_dict(), "clip_lite.pt")


if __name__ == "__main__":
    main()
