# expect: TVL011
# style: Trainer class with a spike-guard helper method, GPT-style language model pretraining
# bug: Trainer._should_step() returns False when the gradient norm exceeds spike_threshold and train_step() then skips optimizer.step() without counting or logging the skipped update.
import argparse
import math
import time
from dataclasses import dataclass

import torch
import torch.nn as nn
import torch.nn.functional as F


@dataclass
class TrainConfig:
    vocab: int = 512
    ctx: int = 128
    d: int = 192
    layers: int = 4
    heads: int = 6
    lr: float = 6e-4
    max_steps: int = 3000
    batch_size: int = 32
    clip: float = 1.0
    spike_threshold: float = 50.0
    log_every: int = 100


class Block(nn.Module):
    def __init__(self, d, heads):
        super().__init__()
        self.ln1, self.ln2 = nn.LayerNorm(d), nn.LayerNorm(d)
        self.attn = nn.MultiheadAttention(d, heads, batch_first=True)
        self.mlp = nn.Sequential(nn.Linear(d, 4 * d), nn.GELU(), nn.Linear(4 * d, d))

    def forward(self, x, causal):
        h = self.ln1(x)
        x = x + self.attn(h, h, h, attn_mask=causal, need_weights=False)[0]
        return x + self.mlp(self.ln2(x))


class GPT(nn.Module):
    def __init__(self, c: TrainConfig):
        super().__init__()
        self.tok = nn.Embedding(c.vocab, c.d)
        self.pos = nn.Embedding(c.ctx, c.d)
        self.blocks = nn.ModuleList([Block(c.d, c.heads) for _ in range(c.layers)])
        self.ln = nn.LayerNorm(c.d)
        self.lm_head = nn.Linear(c.d, c.vocab, bias=False)
        self.lm_head.weight = self.tok.weight

    def forward(self, idx):
        T = idx.size(1)
        causal = torch.triu(torch.ones(T, T, dtype=torch.bool, device=idx.device), diagonal=1)
        x = self.tok(idx) + self.pos(torch.arange(T, device=idx.device))
        for b in self.blocks:
            x = b(x, causal)
        return self.lm_head(self.ln(x))


class Trainer:
    def __init__(self, cfg: TrainConfig, device):
        self.cfg, self.device = cfg, device
        self.model = GPT(cfg).to(device)
        self.opt = torch.optim.AdamW(self.model.parameters(), lr=cfg.lr, betas=(0.9, 0.95), weight_decay=0.1)
        self.data = torch.randint(0, cfg.vocab, (500_000,))
        self.step = 0

    def get_batch(self):
        ix = torch.randint(0, len(self.data) - self.cfg.ctx - 1, (self.cfg.batch_size,))
        x = torch.stack([self.data[i:i + self.cfg.ctx] for i in ix])
        y = torch.stack([self.data[i + 1:i + self.cfg.ctx + 1] for i in ix])
        return x.to(self.device), y.to(self.device)

    def lr_at(self, step):
        warm = 200
        if step < warm:
            return self.cfg.lr * (step + 1) / warm
        prog = (step - warm) / max(1, self.cfg.max_steps - warm)
        return 0.1 * self.cfg.lr + 0.9 * self.cfg.lr * 0.5 * (1 + math.cos(math.pi * prog))

    def _should_step(self, grad_norm):
        return grad_norm.item() < self.cfg.spike_threshold

    def train_step(self):
        for g in self.opt.param_groups:
            g["lr"] = self.lr_at(self.step)
        x, y = self.get_batch()
        logits = self.model(x)
        loss = F.cross_entropy(logits.view(-1, logits.size(-1)), y.view(-1))
        self.opt.zero_grad(set_to_none=True)
        loss.backward()
        grad_norm = nn.utils.clip_grad_norm_(self.model.parameters(), self.cfg.clip)
        if self._should_step(grad_norm):
            self.opt.step()
        self.step += 1
        return loss.item(), grad_norm.item()

    def fit(self):
        self.model.train()
        t0 = time.time()
        while self.step < self.cfg.max_steps:
            loss, gn = self.train_step()
            if self.step % self.cfg.log_every == 0:
                print(f"step {self.step} loss {loss:.4f} gnorm {gn:.2f} lr {self.lr_at(self.step):.2e} "
                      f"{(time.time() - t0) / self.step * 1000:.0f}ms/it")


if __name__ == "__main__":
    ap = argparse.ArgumentParser()
    ap.add_argument("--max-steps", type=int, default=3000)
    ap.add_argument("--spike-threshold", type=float, default=50.0)
    a = ap.parse_args()
    cfg = TrainConfig(max_steps=a.max_steps, spike_threshold=a.spike_threshold)
    Trainer(cfg, "cuda" if torch.cuda.is_available() else "cpu").fit()
