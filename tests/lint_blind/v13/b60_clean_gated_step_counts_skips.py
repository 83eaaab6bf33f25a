# expect: clean
# style: hand-written loop with a non-finite/spike gradient guard, LSTM language model
# note: optimizer.step() is skipped when the gradient norm is non-finite or spiking, but every skip is counted, logged and checked against a budget
import argparse
import logging
import math

import torch
import torch.nn as nn
import torch.nn.functional as F
from torch.utils.data import DataLoader, Dataset

logger = logging.getLogger("lm")


class Corpus(Dataset):
    def __init__(self, n_tokens=300000, bptt=70, vocab=10000):
        self.data = torch.randint(0, vocab, (n_tokens,))
        self.bptt = bptt

    def __len__(self):
        return (len(self.data) - 1) // self.bptt

    def __getitem__(self, i):
        s = i * self.bptt
        return self.data[s:s + self.bptt], self.data[s + 1:s + 1 + self.bptt]


class LSTMLM(nn.Module):
    def __init__(self, vocab=10000, dim=400, hidden=1150, layers=3, dropout=0.3):
        super().__init__()
        self.emb = nn.Embedding(vocab, dim)
        self.rnn = nn.LSTM(dim, hidden, layers, batch_first=True, dropout=dropout)
        self.proj = nn.Linear(hidden, dim)
        self.out = nn.Linear(dim, vocab)
        self.out.weight = self.emb.weight

    def forward(self, x):
        h, _ = self.rnn(self.emb(x))
        return self.out(self.proj(h))


class StepGuard:
    def __init__(self, spike=8.0, max_skip_frac=0.05):
        self.spike, self.max_skip_frac = spike, max_skip_frac
        self.ema = None
        self.skipped = 0
        self.seen = 0

    def allow(self, grad_norm):
        self.seen += 1
        bad = not math.isfinite(grad_norm) or (self.ema is not None and grad_norm > self.spike * self.ema)
        if bad:
            self.skipped += 1
            logger.warning("skipping step %d: grad norm %.3g (ema %.3g), %d skipped so far",
                           self.seen, grad_norm, self.ema or float("nan"), self.skipped)
            if self.seen > 100 and self.skipped / self.seen > self.max_skip_frac:
                raise RuntimeError(f"too many skipped steps: {self.skipped}/{self.seen}")
            return False
        self.ema = grad_norm if self.ema is None else 0.99 * self.ema + 0.01 * grad_norm
        return True


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--epochs", type=int, default=3)
    ap.add_argument("--lr", type=float, default=1e-3)
    ap.add_argument("--clip", type=float, default=0.25)
    args = ap.parse_args()
    logging.basicConfig(level=logging.INFO)
    dev = torch.device("cuda" if torch.cuda.is_available() else "cpu")
    model = LSTMLM().to(dev)
    opt = torch.optim.Adam(model.parameters(), lr=args.lr, weight_decay=1.2e-6)
    loader = DataLoader(Corpus(), batch_size=40, shuffle=True, drop_last=True)
    guard = StepGuard()
    for ep in range(args.epochs):
        model.train()
        total, n = 0.0, 0
        for x, y in loader:
            x, y = x.to(dev), y.to(dev)
            logits = model(x)
            loss = F.cross_entropy(logits.view(-1, logits.size(-1)), y.view(-1))
            opt.zero_grad(set_to_none=True)
            loss.backward()
            gn = nn.utils.clip_grad_norm_(model.parameters(), args.clip).item()
            if guard.allow(gn):
                opt.step()
            total += loss.item()
            n += 1
        logger.info("epoch %d ppl %.2f skipped %d/%d", ep, math.exp(total / n), guard.skipped, guard.seen)
    torch.save(model.state_dict(), "lstm_lm.pt")


if __name__ == "__main__":
    main()
