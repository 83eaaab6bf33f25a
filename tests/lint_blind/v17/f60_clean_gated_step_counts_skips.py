# expect: clean
# style: Trainer class for LM fine-tuning with a loss-spike guard that vetoes steps and counts them
# note: optimizer.step() is skipped when the gradient norm is non-finite or spikes, like the buggy gate, but every skip is counted, logged with its norm, and the run aborts if too many happen.
import argparse
import logging
import math
from dataclasses import dataclass

import torch
import torch.nn as nn
import torch.nn.functional as F

log = logging.getLogger("ft")


@dataclass
class Cfg:
    vocab: int = 1024
    ctx: int = 64
    d: int = 128
    layers: int = 3
    lr: float = 3e-4
    steps: int = 2000
    bs: int = 32
    clip: float = 1.0
    spike_factor: float = 20.0
    max_skip_frac: float = 0.05


class TinyLM(nn.Module):
    def __init__(self, c):
        super().__init__()
        self.emb = nn.Embedding(c.vocab, c.d)
        self.rnn = nn.GRU(c.d, c.d, c.layers, batch_first=True)
        self.out = nn.Linear(c.d, c.vocab)

    def forward(self, x):
        h, _ = self.rnn(self.emb(x))
        return self.out(h)


class Trainer:
    def __init__(self, cfg):
        self.cfg = cfg
        self.model = TinyLM(cfg)
        self.opt = torch.optim.AdamW(self.model.parameters(), lr=cfg.lr, weight_decay=0.01)
        self.data = torch.randint(0, cfg.vocab, (300_000,))
        self.ema_norm = None
        self.skipped = 0
        self.step = 0

    def batch(self):
        ix = torch.randint(0, len(self.data) - self.cfg.ctx - 1, (self.cfg.bs,))
        x = torch.stack([self.data[i:i + self.cfg.ctx] for i in ix])
        return x, torch.stack([self.data[i + 1:i + self.cfg.ctx + 1] for i in ix])

    def _gate(self, norm):
        if not math.isfinite(norm):
            return False, "non-finite"
        if self.ema_norm is not None and norm > self.cfg.spike_factor * self.ema_norm:
            return False, "spike"
        self.ema_norm = norm if self.ema_norm is None else 0.98 * self.ema_norm + 0.02 * norm
        return True, ""

    def train_step(self):
        x, y = self.batch()
        logits = self.model(x)
        loss = F.cross_entropy(logits.reshape(-1, logits.size(-1)), y.reshape(-1))
        self.opt.zero_grad(set_to_none=True)
        loss.backward()
        norm = nn.utils.clip_grad_norm_(self.model.parameters(), self.cfg.clip).item()
        ok, why = self._gate(norm)
        if ok:
            self.opt.step()
        else:
            self.skipped += 1
            log.warning("step %d skipped (%s, grad_norm=%.3g); %d skipped so far", self.step, why, norm, self.skipped)
            if self.skipped > self.cfg.max_skip_frac * max(self.step, 100):
                raise RuntimeError(f"too many skipped steps: {self.skipped}/{self.step}")
        self.step += 1
        return loss.item(), norm

    def fit(self):
        self.model.train()
        while self.step < self.cfg.steps:
            loss, norm = self.train_step()
            if self.step % 100 == 0:
                log.info("step %d loss %.4f norm %.3f skipped %d", self.step, loss, norm, self.skipped)
        log.info("done: %d/%d steps skipped", self.skipped, self.step)


if __name__ == "__main__":
    logging.basicConfig(level=logging.INFO)
    ap = argparse.ArgumentParser()
    ap.add_argument("--steps", type=int, default=2000)
    a = ap.parse_args()
    Trainer(Cfg(steps=a.steps)).fit()
