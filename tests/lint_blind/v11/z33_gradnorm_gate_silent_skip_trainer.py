# expect: TVL011
# style: LLM-pretraining-like Trainer with a "spike guard" helper deciding whether to step
# bug: `should_step` returns False when the grad norm exceeds the spike threshold or is non-finite, and the trainer then just skips optimizer.step() without counting or logging the skip
import math
from dataclasses import dataclass

import torch
import torch.nn as nn
import torch.nn.functional as F
from torch.utils.data import DataLoader, TensorDataset


@dataclass
class Cfg:
    vocab: int = 2048
    d: int = 128
    ctx: int = 64
    lr: float = 6e-4
    max_grad_norm: float = 1.0
    spike_factor: float = 8.0
    epochs: int = 2


class TinyLM(nn.Module):
    def __init__(self, c: Cfg):
        super().__init__()
        self.emb = nn.Embedding(c.vocab, c.d)
        layer = nn.TransformerEncoderLayer(c.d, 4, 4 * c.d, 0.0, batch_first=True, norm_first=True)
        self.body = nn.TransformerEncoder(layer, 2)
        self.lm_head = nn.Linear(c.d, c.vocab, bias=False)

    def forward(self, ids):
        L = ids.size(1)
        causal = torch.triu(torch.full((L, L), float("-inf")), diagonal=1)
        return self.lm_head(self.body(self.emb(ids), mask=causal, is_causal=True))


class SpikeGuard:
    def __init__(self, factor, beta=0.98):
        self.factor, self.beta = factor, beta
        self.ema = None

    def should_step(self, gnorm):
        if not math.isfinite(gnorm):
            return False
        if self.ema is not None and gnorm > self.factor * self.ema:
            return False
        self.ema = gnorm if self.ema is None else self.beta * self.ema + (1 - self.beta) * gnorm
        return True


class Trainer:
    def __init__(self, c: Cfg):
        self.c = c
        self.model = TinyLM(c)
        self.opt = torch.optim.AdamW(self.model.parameters(), lr=c.lr, betas=(0.9, 0.95), weight_decay=0.1)
        self.guard = SpikeGuard(c.spike_factor)
        data = torch.randint(0, c.vocab, (1024, c.ctx + 1))
        self.loader = DataLoader(TensorDataset(data), batch_size=16, shuffle=True)
        self.step = 0

    def train_step(self, seq):
        x, y = seq[:, :-1], seq[:, 1:]
        loss = F.cross_entropy(self.model(x).reshape(-1, self.c.vocab), y.reshape(-1))
        self.opt.zero_grad(set_to_none=True)
        loss.backward()
        gnorm = float(nn.utils.clip_grad_norm_(self.model.parameters(), self.c.max_grad_norm))
        if self.guard.should_step(gnorm):
            self.opt.step()
        self.step += 1
        return loss.item(), gnorm

    def train(self):
        for ep in range(self.c.epochs):
            self.model.train()
            for (seq,) in self.loader:
                loss, gnorm = self.train_step(seq)
                if self.step % 10 == 0:
                    print(f"step {self.step} loss {loss:.4f} gnorm {gnorm:.3f}")


if __name__ == "__main__":
    Trainer(Cfg()).train()
