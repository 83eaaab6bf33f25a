# expect: TVL016
# style: nanoGPT-like LM training script with AMP and grad clipping by value, inline
# bug: clip_grad_value_ runs on the scaled gradients and scaler.unscale_ is called only afterwards (to log the true norm), so clipping uses the wrong scale
import math
import os
import time

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F

out_dir = "out-wordlm"
batch_size = 24
block_size = 128
vocab_size = 8192
n_layer, n_head, n_embd = 4, 8, 256
max_iters = 3000
learning_rate = 3e-4
grad_clip_value = 0.5
eval_interval = 250
device = "cuda" if torch.cuda.is_available() else "cpu"
dtype = torch.float16
os.makedirs(out_dir, exist_ok=True)
torch.manual_seed(1337)

train_data = np.random.randint(0, vocab_size, size=2_000_000, dtype=np.int64)
val_data = np.random.randint(0, vocab_size, size=200_000, dtype=np.int64)


def get_batch(split):
    data = train_data if split == "train" else val_data
    ix = np.random.randint(0, len(data) - block_size - 1, size=batch_size)
    x = torch.from_numpy(np.stack([data[i:i + block_size] for i in ix]))
    y = torch.from_numpy(np.stack([data[i + 1:i + 1 + block_size] for i in ix]))
    return x.to(device), y.to(device)


class LM(nn.Module):
    def __init__(self):
        super().__init__()
        self.wte = nn.Embedding(vocab_size, n_embd)
        self.wpe = nn.Embedding(block_size, n_embd)
        layer = nn.TransformerEncoderLayer(n_embd, n_head, 4 * n_embd, dropout=0.1, batch_first=True, norm_first=True)
        self.h = nn.TransformerEncoder(layer, n_layer)
        self.ln_f = nn.LayerNorm(n_embd)
        self.lm_head = nn.Linear(n_embd, vocab_size, bias=False)
        self.lm_head.weight = self.wte.weight

    def forward(self, idx, targets=None):
        T = idx.size(1)
        mask = nn.Transformer.generate_square_subsequent_mask(T, device=idx.device)
        x = self.wte(idx) + self.wpe(torch.arange(T, device=idx.device))
        x = self.ln_f(self.h(x, mask=mask, is_causal=True))
        logits = self.lm_head(x)
        loss = None if targets is None else F.cross_entropy(logits.view(-1, vocab_size), targets.view(-1))
        return logits, loss


@torch.no_grad()
def estimate_loss(model, iters=20):
    model.eval()
    out = {}
    for split in ("train", "val"):
        out[split] = float(np.mean([model(*get_batch(split))[1].item() for _ in range(iters)]))
    model.train()
    return out


model = LM().to(device)
optimizer = torch.optim.AdamW(model.parameters(), lr=learning_rate, betas=(0.9, 0.95), weight_decay=0.1)
scaler = torch.cuda.amp.GradScaler(enabled=(device == "cuda"))
ctx = torch.autocast(device_type="cuda", dtype=dtype) if device == "cuda" else torch.autocast("cpu", enabled=False)
best_val = math.inf
t0 = time.time()

model.train()
for it in range(max_iters):
    if it % eval_interval == 0:
        losses = estimate_loss(model)
        print(f"step {it}: train {losses['train']:.4f} val {losses['val']:.4f}")
        if losses["val"] < best_val:
            best_val = losses["val"]
            torch.save({"model": model.state_dict(), "iter": it}, os.path.join(out_dir, "ckpt.pt"))
    X, Y = get_batch("train")
    with ctx:
        _, loss = model(X, Y)
    optimizer.zero_grad(set_to_none=True)
    scaler.scale(loss).backward()
    torch.nn.utils.clip_grad_value_(model.parameters(), grad_clip_value)
    scaler.unscale_(optimizer)
    total_norm = torch.norm(torch.stack([p.grad.norm() for p in model.parameters() if p.grad is not None]))
    scaler.step(optimizer)
    scaler.update()
    if it % 50 == 0:
        dt = time.time() - t0
        t0 = time.time()
        print(f"iter {it}: loss {loss.item():.4f}, grad norm {total_norm.item():.3f}, time {dt * 1000 / 50:.1f}ms/it")
