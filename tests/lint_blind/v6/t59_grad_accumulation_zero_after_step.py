# expect: clean
# style: nanoGPT-like causal LM training with gradient accumulation
# note: zero_grad() is not called every micro-batch, which looks like missing gradient clearing, but it runs right after each optimizer.step() once per accumulation window, so gradients are cleared correctly.
import math
import time

import torch
import torch.nn as nn
import torch.nn.functional as F

config = dict(vocab=512, block=128, n_layer=4, n_head=4, n_embd=256, batch_size=16,
              grad_accum=4, max_iters=2000, lr=6e-4, min_lr=6e-5, warmup=100, clip=1.0)


class GPT(nn.Module):
    def __init__(self, c):
        super().__init__()
        self.tok = nn.Embedding(c["vocab"], c["n_embd"])
        self.pos = nn.Embedding(c["block"], c["n_embd"])
        layer = nn.TransformerEncoderLayer(c["n_embd"], c["n_head"], 4 * c["n_embd"], 0.1, batch_first=True, norm_first=True)
        self.h = nn.TransformerEncoder(layer, c["n_layer"])
        self.ln_f = nn.LayerNorm(c["n_embd"])
        self.lm_head = nn.Linear(c["n_embd"], c["vocab"], bias=False)
        self.lm_head.weight = self.tok.weight

    def forward(self, idx, targets=None):
        T = idx.size(1)
        x = self.tok(idx) + self.pos(torch.arange(T, device=idx.device))
        mask = nn.Transformer.generate_square_subsequent_mask(T, device=idx.device)
        logits = self.lm_head(self.ln_f(self.h(x, mask=mask, is_causal=True)))
        loss = None if targets is None else F.cross_entropy(logits.view(-1, logits.size(-1)), targets.view(-1))
        return logits, loss


def get_lr(it, c):
    if it < c["warmup"]:
        return c["lr"] * (it + 1) / c["warmup"]
    ratio = (it - c["warmup"]) / max(1, c["max_iters"] - c["warmup"])
    return c["min_lr"] + 0.5 * (1 + math.cos(math.pi * ratio)) * (c["lr"] - c["min_lr"])


data = torch.randint(0, config["vocab"], (500_000,))


def get_batch():
    ix = torch.randint(len(data) - config["block"] - 1, (config["batch_size"],))
    x = torch.stack([data[i:i + config["block"]] for i in ix])
    y = torch.stack([data[i + 1:i + config["block"] + 1] for i in ix])
    return x, y


model = GPT(config)
optimizer = torch.optim.AdamW(model.parameters(), lr=config["lr"], betas=(0.9, 0.95), weight_decay=0.1)
optimizer.zero_grad(set_to_none=True)
model.train()
t0 = time.time()
for it in range(config["max_iters"]):
    for g in optimizer.param_groups:
        g["lr"] = get_lr(it, config)
    for micro in range(config["grad_accum"]):
        x, y = get_batch()
        _, loss = model(x, y)
        (loss / config["grad_accum"]).backward()
    torch.nn.utils.clip_grad_norm_(model.parameters(), config["clip"])
    optimizer.step()
    optimizer.zero_grad(set_to_none=True)
    if it % 100 == 0:
        dt = time.time() - t0
        t0 = time.time()
        print(f"iter {it}: loss {loss.item():.4f}, lr {get_lr(it, config):.2e}, {dt * 1000:.0f}ms")
