# expect: TVL011
# style: torchtitan-like Trainer with a separate gradient-health check helper
# bug: Trainer.step() calls self.optimizer.step() only if self._grads_healthy() says so; unhealthy steps are dropped silently (no counter, no log)
import argparse
import math
from dataclasses import dataclass

import torch
import torch.nn as nn
import torch.nn.functional as F


@dataclass
class JobConfig:
    vocab: int = 4096
    dim: int = 256
    n_layers: int = 4
    lr: float = 3e-4
    max_norm: float = 1.0
    spike_factor: float = 20.0
    steps: int = 1000


class TinyTransformer(nn.Module):
    def __init__(self, cfg: JobConfig):
        super().__init__()
        self.tok = nn.Embedding(cfg.vocab, cfg.dim)
        layer = nn.TransformerEncoderLayer(cfg.dim, 8, 4 * cfg.dim, batch_first=True, norm_first=True)
        self.layers = nn.TransformerEncoder(layer, cfg.n_layers)
        self.out = nn.Linear(cfg.dim, cfg.vocab)

    def forward(self, ids):
        L = ids.size(1)
        mask = torch.triu(torch.full((L, L), float("-inf")), diagonal=1)
        return self.out(self.layers(self.tok(ids), mask=mask))


class Trainer:
    def __init__(self, cfg: JobConfig):
        self.cfg = cfg
        self.model = TinyTransformer(cfg)
        self.optimizer = torch.optim.AdamW(self.model.parameters(), lr=cfg.lr, fused=False)
        self.ema_norm = None

    def _grads_healthy(self, norm: float) -> bool:
        if not math.isfinite(norm):
            return False
        if self.ema_norm is not None and norm > self.cfg.spike_factor * self.ema_norm:
            return False
        self.ema_norm = norm if self.ema_norm is None else 0.99 * self.ema_norm + 0.01 * norm
        return True

    def step(self, ids):
        self.model.train()
        self.optimizer.zero_grad()
        logits = self.model(ids[:, :-1])
        loss = F.cross_entropy(logits.flatten(0, 1), ids[:, 1:].flatten())
        loss.backward()
        norm = nn.utils.clip_grad_norm_(self.model.parameters(), self.cfg.max_norm).item()
        if self._grads_healthy(norm):
            self.optimizer.step()
        return loss.item(), norm

    def train(self):
        for s in range(1, self.cfg.steps + 1):
            loss, norm = self.step(torch.randint(0, self.cfg.vocab, (8, 129)))
            if s % 50 == 0:
                print(f"step: {s}  loss: {loss:.4f}  grad_norm: {norm:.3f}")


if __name__ == "__main__":
    ap = argparse.ArgumentParser()
    ap.add_argument("--steps", type=int, default=1000)
    Trainer(JobConfig(steps=ap.parse_args().steps)).train()
