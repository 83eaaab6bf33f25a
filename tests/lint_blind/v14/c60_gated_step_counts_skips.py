# expect: clean
# style: research LM pretraining loop with a spike guard that counts and logs skipped steps
# note: optimizer.step() is skipped when the gradient norm is non-finite or spikes, but every skip is counted, logged and the run aborts if too many happen
import argparse
import logging
import math

import torch
import torch.nn as nn
import torch.nn.functional as F

log = logging.getLogger("pretrain")


class TinyLM(nn.Module):
    def __init__(self, vocab=4096, dim=256, layers=4, heads=4, ctx=128):
        super().__init__()
        self.tok = nn.Embedding(vocab, dim)
        self.pos = nn.Parameter(torch.zeros(1, ctx, dim))
        block = nn.TransformerEncoderLayer(dim, heads, 4 * dim, 0.0, batch_first=True, norm_first=True)
        self.blocks = nn.TransformerEncoder(block, layers)
        self.head = nn.Linear(dim, vocab)

    def forward(self, idx):
        T = idx.size(1)
        causal = torch.triu(torch.full((T, T), float("-inf")), 1)
        return self.head(self.blocks(self.tok(idx) + self.pos[:, :T], mask=causal))


class SpikeGuard:
    def __init__(self, factor=8.0, max_skips=50):
        self.factor, self.max_skips = factor, max_skips
        self.ema = None
        self.skipped = 0

    def check(self, norm, step):
        bad = not math.isfinite(norm) or (self.ema is not None and norm > self.factor * self.ema)
        if bad:
            self.skipped += 1
            log.warning("step %d: skipping update (grad norm %.3g, ema %.3g), %d skipped so far",
                        step, norm, self.ema or float("nan"), self.skipped)
            if self.skipped > self.max_skips:
                raise RuntimeError(f"too many skipped steps ({self.skipped}); lower the learning rate")
            return False
        self.ema = norm if self.ema is None else 0.99 * self.ema + 0.01 * norm
        return True


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--steps", type=int, default=5000)
    ap.add_argument("--bs", type=int, default=32)
    ap.add_argument("--lr", type=float, default=6e-4)
    args = ap.parse_args()
    logging.basicConfig(level=logging.INFO)

    data = torch.randint(0, 4096, (1_000_000,))
    model = TinyLM()
    opt = torch.optim.AdamW(model.parameters(), lr=args.lr, weight_decay=0.1)
    sched = torch.optim.lr_scheduler.LambdaLR(opt, lambda s: min(1.0, (s + 1) / 500))
    guard = SpikeGuard()
    model.train()
    for step in range(args.steps):
        ix = torch.randint(0, len(data) - 129, (args.bs,))
        x = torch.stack([data[i:i + 128] for i in ix])
        y = torch.stack([data[i + 1:i + 129] for i in ix])
        loss = F.cross_entropy(model(x).flatten(0, 1), y.flatten())
        opt.zero_grad(set_to_none=True)
        loss.backward()
        norm = float(nn.utils.clip_grad_norm_(model.parameters(), 1.0))
        if guard.check(norm, step):
            opt.step()
        sched.step()
        if step % 100 == 0:
            log.info("step %d loss %.4f |g| %.3f skipped %d", step, loss.item(), norm, guard.skipped)
    log.info("done: %d of %d steps skipped", guard.skipped, args.steps)


if __name__ == "__main__":
    main()
