# expect: clean
# style: nanoGPT-like inline loop with GradScaler; clipping after unscale_ and update() each iteration
# note: GradScaler and clip_grad_norm_ are both used in the loop, in the correct order: scale/backward, unscale_, clip, step, update
import math
import time

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F

block_size, batch_size, vocab = 96, 24, 384
max_iters, log_every, warmup = 1500, 100, 100
lr_max, lr_min, grad_clip = 5e-4, 5e-5, 1.0
device = "cuda" if torch.cuda.is_available() else "cpu"
corpus = np.random.randint(0, vocab, 300_000)


def get_batch():
    ix = np.random.randint(0, len(corpus) - block_size - 1, batch_size)
    x = torch.tensor(np.stack([corpus[i:i + block_size] for i in ix]), dtype=torch.long)
    y = torch.tensor(np.stack([corpus[i + 1:i + 1 + block_size] for i in ix]), dtype=torch.long)
    return x.to(device), y.to(device)


class Block(nn.Module):
    def __init__(self, d, h):
        super().__init__()
        self.ln1, self.ln2 = nn.LayerNorm(d), nn.LayerNorm(d)
        self.attn = nn.MultiheadAttention(d, h, batch_first=True)
        self.mlp = nn.Sequential(nn.Linear(d, 4 * d), nn.GELU(), nn.Linear(4 * d, d))

    def forward(self, x, causal):
        h = self.ln1(x)
        x = x + self.attn(h, h, h, attn_mask=causal, need_weights=False)[0]
        return x + self.mlp(self.ln2(x))


class LM(nn.Module):
    def __init__(self, d=192, h=6, n=4):
        super().__init__()
        self.tok, self.pos = nn.Embedding(vocab, d), nn.Embedding(block_size, d)
        self.blocks = nn.ModuleList([Block(d, h) for _ in range(n)])
        self.ln, self.head = nn.LayerNorm(d), nn.Linear(d, vocab)

    def forward(self, idx):
        T = idx.size(1)
        causal = torch.triu(torch.ones(T, T, dtype=torch.bool, device=idx.device), 1)
        x = self.tok(idx) + self.pos(torch.arange(T, device=idx.device))
        for b in self.blocks:
            x = b(x, causal)
        return self.head(self.ln(x))


def lr_at(it):
    if it < warmup:
        return lr_max * (it + 1) / warmup
    return lr_min + 0.5 * (lr_max - lr_min) * (1 + math.cos(math.pi * (it - warmup) / (max_iters - warmup)))


model = LM().to(device)
opt = torch.optim.AdamW(model.parameters(), lr=lr_max, betas=(0.9, 0.95), weight_decay=0.1)
scaler = torch.cuda.amp.GradScaler(enabled=device == "cuda")
t0 = time.time()
model.train()
for it in range(max_iters):
    for g in opt.param_groups:
        g["lr"] = lr_at(it)
    xb, yb = get_batch()
    with torch.autocast(device_type="cuda", dtype=torch.float16, enabled=device == "cuda"):
        logits = model(xb)
        loss = F.cross_entropy(logits.view(-1, vocab), yb.view(-1))
    opt.zero_grad(set_to_none=True)
    scaler.scale(loss).backward()
    scaler.unscale_(opt)
    gnorm = torch.nn.utils.clip_grad_norm_(model.parameters(), grad_clip)
    scaler.step(opt)
    scaler.update()
    if it % log_every == 0:
        print(f"iter {it} loss {loss.item():.4f} gnorm {gnorm.item():.3f} lr {lr_at(it):.2e} "
              f"{(time.time() - t0):.1f}s")
