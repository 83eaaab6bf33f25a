# expect: clean
# style: LM trainer with a grad-norm spike guard that skips optimizer.step() and records it
# note: optimizer.step() is skipped when the grad norm is non-finite or spikes, but every skip is counted, logged, and exported with the metrics
import logging
import math

import torch
import torch.nn as nn
import torch.nn.functional as F
from torch.utils.data import DataLoader, TensorDataset

log = logging.getLogger("train")


class TinyLM(nn.Module):
    def __init__(self, vocab=1024, d=128):
        super().__init__()
        self.emb = nn.Embedding(vocab, d)
        self.rnn = nn.LSTM(d, d, num_layers=2, batch_first=True)
        self.head = nn.Linear(d, vocab)

    def forward(self, ids):
        return self.head(self.rnn(self.emb(ids))[0])


class SkipGuard:
    def __init__(self, factor=6.0, beta=0.98):
        self.factor, self.beta = factor, beta
        self.ema = None
        self.skipped = 0

    def check(self, gnorm, step):
        bad = not math.isfinite(gnorm) or (self.ema is not None and gnorm > self.factor * self.ema)
        if bad:
            self.skipped += 1
            log.warning("step %d: skipping update, grad norm %.3f (ema %s), total skipped %d",
                        step, gnorm, self.ema, self.skipped)
            return False
        self.ema = gnorm if self.ema is None else self.beta * self.ema + (1 - self.beta) * gnorm
        return True


def main():
    logging.basicConfig(level=logging.INFO)
    data = torch.randint(0, 1024, (2048, 65))
    loader = DataLoader(TensorDataset(data), batch_size=32, shuffle=True)
    model = TinyLM()
    opt = torch.optim.Adam(model.parameters(), lr=1e-3)
    guard = SkipGuard()
    step = 0
    metrics = []
    for ep in range(3):
        model.train()
        for (seq,) in loader:
            logits = model(seq[:, :-1])
            loss = F.cross_entropy(logits.reshape(-1, 1024), seq[:, 1:].reshape(-1))
            opt.zero_grad(set_to_none=True)
            loss.backward()
            gnorm = float(nn.utils.clip_grad_norm_(model.parameters(), 1.0))
            if guard.check(gnorm, step):
                opt.step()
            step += 1
            metrics.append({"step": step, "loss": loss.item(), "gnorm": gnorm, "skipped": guard.skipped})
        log.info("epoch %d loss %.4f skipped so far %d", ep, metrics[-1]["loss"], guard.skipped)


if __name__ == "__main__":
    main()
