# expect: TVL011
# style: Trainer built from mixins (logging mixin, stability mixin), image captioning-lite seq2seq
# bug: StabilityMixin.should_step() returns False when the grad norm is non-finite or above a spike factor, and Trainer.train_step() then skips optimizer.step() without recording the skip (the LoggingMixin only logs the loss)
import logging
import math
from collections import deque

import torch
import torch.nn as nn
import torch.nn.functional as F
from torch.utils.data import DataLoader, TensorDataset


class LoggingMixin:
    log_every = 50

    def log_step(self, step, loss):
        if step % self.log_every == 0:
            logging.getLogger(type(self).__name__).info("step %d loss %.4f", step, loss)


class StabilityMixin:
    spike_factor = 8.0
    window = 100

    def _init_stability(self):
        self._norms = deque(maxlen=self.window)

    def should_step(self, params):
        norm = torch.nn.utils.clip_grad_norm_(params, max_norm=float("inf")).item()
        if not math.isfinite(norm):
            return False
        if len(self._norms) >= 10 and norm > self.spike_factor * (sum(self._norms) / len(self._norms)):
            return False
        self._norms.append(norm)
        return True


class Captioner(nn.Module):
    def __init__(self, feat_dim=512, vocab=5000, d=256):
        super().__init__()
        self.img_proj = nn.Linear(feat_dim, d)
        self.emb = nn.Embedding(vocab, d)
        self.gru = nn.GRU(d, d, batch_first=True)
        self.out = nn.Linear(d, vocab)

    def forward(self, feats, captions_in):
        h0 = torch.tanh(self.img_proj(feats)).unsqueeze(0)
        y, _ = self.gru(self.emb(captions_in), h0)
        return self.out(y)


class Trainer(LoggingMixin, StabilityMixin):
    def __init__(self, model, lr=4e-4, clip=5.0):
        self.model = model
        self.opt = torch.optim.Adam(model.parameters(), lr=lr)
        self.clip = clip
        self.step = 0
        self._init_stability()

    def train_step(self, feats, caps):
        logits = self.model(feats, caps[:, :-1])
        loss = F.cross_entropy(logits.reshape(-1, logits.size(-1)), caps[:, 1:].reshape(-1), ignore_index=0)
        self.opt.zero_grad()
        loss.backward()
        if self.should_step(self.model.parameters()):
            torch.nn.utils.clip_grad_norm_(self.model.parameters(), self.clip)
            self.opt.step()
        self.step += 1
        self.log_step(self.step, loss.item())
        return loss.item()

    @torch.no_grad()
    def evaluate(self, loader):
        self.model.eval()
        tot, n = 0.0, 0
        for feats, caps in loader:
            logits = self.model(feats, caps[:, :-1])
            tot += F.cross_entropy(logits.reshape(-1, logits.size(-1)), caps[:, 1:].reshape(-1),
                                   ignore_index=0, reduction="sum").item()
            n += (caps[:, 1:] != 0).sum().item()
        self.model.train()
        return math.exp(tot / n)

    def fit(self, train_dl, val_dl, epochs):
        for ep in range(epochs):
            self.model.train()
            losses = [self.train_step(f, c) for f, c in train_dl]
            ppl = self.evaluate(val_dl)
            logging.info("epoch %d train %.4f val ppl %.2f", ep, sum(losses) / len(losses), ppl)


def fake_coco(n, L=20, vocab=5000):
    caps = torch.randint(3, vocab, (n, L))
    caps[:, 0] = 1
    caps[:, -3:] = 0
    return TensorDataset(torch.randn(n, 512), caps)


if __name__ == "__main__":
    logging.basicConfig(level=logging.INFO)
    tr = DataLoader(fake_coco(6000), batch_size=64, shuffle=True)
    va = DataLoader(fake_coco(600), batch_size=128)
    Trainer(Captioner()).fit(tr, va, epochs=10)
