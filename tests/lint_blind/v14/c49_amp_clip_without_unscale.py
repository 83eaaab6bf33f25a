# expect: TVL016
# style: inline mixed-precision training loop, transformer language model fine-tuning on CUDA
# bug: clip_grad_norm_ runs on the still-scaled gradients (no scaler.unscale_ before it), so the clip threshold is effectively divided by the loss scale
import math
import time

import torch
import torch.nn as nn
import torch.nn.functional as F

device = "cuda" if torch.cuda.is_available() else "cpu"
use_amp = device == "cuda"
torch.manual_seed(0)

VOCAB, CTX, DIM, LAYERS, HEADS = 8192, 256, 384, 6, 6
BATCH, STEPS, LR, WARMUP, CLIP = 24, 4000, 3e-4, 200, 1.0

corpus = torch.randint(0, VOCAB, (2_000_000,))


def get_batch():
    ix = torch.randint(0, len(corpus) - CTX - 1, (BATCH,))
    x = torch.stack([corpus[i:i + CTX] for i in ix])
    y = torch.stack([corpus[i + 1:i + 1 + CTX] for i in ix])
    return x.to(device, non_blocking=True), y.to(device, non_blocking=True)


class LM(nn.Module):
    def __init__(self):
        super().__init__()
        self.wte = nn.Embedding(VOCAB, DIM)
        self.wpe = nn.Embedding(CTX, DIM)
        layer = nn.TransformerEncoderLayer(DIM, HEADS, 4 * DIM, dropout=0.1, activation="gelu",
                                           batch_first=True, norm_first=True)
        self.blocks = nn.TransformerEncoder(layer, LAYERS)
        self.ln = nn.LayerNorm(DIM)
        self.lm_head = nn.Linear(DIM, VOCAB, bias=False)
        self.lm_head.weight = self.wte.weight

    def forward(self, idx):
        T = idx.size(1)
        mask = nn.Transformer.generate_square_subsequent_mask(T, device=idx.device)
        h = self.wte(idx) + self.wpe(torch.arange(T, device=idx.device))
        h = self.blocks(h, mask=mask, is_causal=True)
        return self.lm_head(self.ln(h))


model = LM().to(device)
optimizer = torch.optim.AdamW(model.parameters(), lr=LR, betas=(0.9, 0.95), weight_decay=0.1, fused=use_amp)
scaler = torch.cuda.amp.GradScaler(enabled=use_amp)


def lr_for(step):
    if step < WARMUP:
        return LR * step / WARMUP
    return LR * 0.5 * (1 + math.cos(math.pi * (step - WARMUP) / (STEPS - WARMUP)))


t0 = time.time()
model.train()
for step in range(STEPS):
    for g in optimizer.param_groups:
        g["lr"] = lr_for(step)
    x, y = get_batch()
    with torch.autocast(device_type="cuda", dtype=torch.float16, enabled=use_amp):
        logits = model(x)
        loss = F.cross_entropy(logits.view(-1, VOCAB), y.view(-1))
    optimizer.zero_grad(set_to_none=True)
    scaler.scale(loss).backward()
    grad_norm = torch.nn.utils.clip_grad_norm_(model.parameters(), CLIP)
    scaler.step(optimizer)
    scaler.update()
    if step % 100 == 0:
        dt = time.time() - t0
        t0 = time.time()
        print(f"step {step:5d} loss {loss.item():.4f} |g| {grad_norm.item():.2f} "
              f"scale {scaler.get_scale():.0f} lr {lr_for(step):.2e} {dt * 10:.0f}ms/it")

torch.save(model.state_dict(), "lm_amp.pt")
