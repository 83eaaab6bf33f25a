# expect: TVL016
# style: nanoGPT-like inline training loop with GradScaler and grad clipping
# bug: clip_grad_norm_ runs on the still-scaled gradients and scaler.unscale_ is only called afterwards, so the clip threshold is applied to scaled grads
import math
import os
import time

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F

batch_size, block_size = 16, 128
max_iters, eval_interval = 2000, 200
learning_rate, min_lr, warmup_iters = 6e-4, 6e-5, 100
grad_clip = 1.0
vocab_size, n_embd, n_head, n_layer = 512, 192, 6, 4
device = "cuda" if torch.cuda.is_available() else "cpu"
dtype = torch.float16
out_dir = "out-tiny"
os.makedirs(out_dir, exist_ok=True)

data = np.random.randint(0, vocab_size, size=200_000).astype(np.uint16)


def get_batch():
    ix = torch.randint(len(data) - block_size - 1, (batch_size,))
    x = torch.stack([torch.from_numpy(data[i:i + block_size].astype(np.int64)) for i in ix])
    y = torch.stack([torch.from_numpy(data[i + 1:i + 1 + block_size].astype(np.int64)) for i in ix])
    return x.to(device), y.to(device)


class GPT(nn.Module):
    def __init__(self):
        super().__init__()
        self.wte = nn.Embedding(vocab_size, n_embd)
        self.wpe = nn.Embedding(block_size, n_embd)
        layer = nn.TransformerEncoderLayer(n_embd, n_head, 4 * n_embd, 0.0, batch_first=True, norm_first=True)
        self.h = nn.TransformerEncoder(layer, n_layer)
        self.ln_f = nn.LayerNorm(n_embd)
        self.lm_head = nn.Linear(n_embd, vocab_size, bias=False)
        self.wte.weight = self.lm_head.weight

    def forward(self, idx, targets=None):
        T = idx.size(1)
        mask = nn.Transformer.generate_square_subsequent_mask(T, device=idx.device)
        x = self.h(self.wte(idx) + self.wpe(torch.arange(T, device=idx.device)), mask=mask, is_causal=True)
        logits = self.lm_head(self.ln_f(x))
        loss = None if targets is None else F.cross_entropy(logits.view(-1, vocab_size), targets.view(-1))
        return logits, loss


def get_lr(it):
    if it < warmup_iters:
        return learning_rate * (it + 1) / warmup_iters
    ratio = (it - warmup_iters) / (max_iters - warmup_iters)
    return min_lr + 0.5 * (1 + math.cos(math.pi * ratio)) * (learning_rate - min_lr)


model = GPT().to(device)
optimizer = torch.optim.AdamW(model.parameters(), lr=learning_rate, betas=(0.9, 0.95), weight_decay=0.1)
scaler = torch.cuda.amp.GradScaler(enabled=(device == "cuda"))
ctx = torch.autocast(device_type="cuda", dtype=dtype) if device == "cuda" else torch.autocast("cpu", enabled=False)

t0 = time.time()
for it in range(max_iters):
    for g in optimizer.param_groups:
        g["lr"] = get_lr(it)
    X, Y = get_batch()
    model.train()
    with ctx:
        _, loss = model(X, Y)
    optimizer.zero_grad(set_to_none=True)
    scaler.scale(loss).backward()
    if grad_clip != 0.0:
        torch.nn.utils.clip_grad_norm_(model.parameters(), grad_clip)
    scaler.unscale_(optimizer)
    scaler.step(optimizer)
    scaler.update()
    if it % eval_interval == 0:
        dt = time.time() - t0
        t0 = time.time()
        print(f"iter {it}: loss {loss.item():.4f}, lr {get_lr(it):.2e}, time {dt*1000:.0f}ms")
        torch.save({"model": model.state_dict(), "iter": it}, os.path.join(out_dir, "ckpt.pt"))
