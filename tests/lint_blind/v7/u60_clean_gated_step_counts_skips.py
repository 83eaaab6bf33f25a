# expect: clean
# style: large-model-style training loop with a spike guard, byte-level transformer LM, argparse
# note: optimizer.step() is skipped when the grad norm is non-finite or spikes, which looks like TVL011, but every skip increments skipped_steps, is logged with the step number, and the count is written to the metrics dict.
import argparse
import logging
import math

import torch
import torch.nn as nn
import torch.nn.functional as F
from torch.utils.data import DataLoader, Dataset

logger = logging.getLogger("lm")


class Bytes(Dataset):
    def __init__(self, n=2000, L=256, seed=0):
        self.data = torch.randint(0, 256, (n, L + 1), generator=torch.Generator().manual_seed(seed))

    def __len__(self):
        return len(self.data)

    def __getitem__(self, i):
        return self.data[i, :-1], self.data[i, 1:]


class ByteLM(nn.Module):
    def __init__(self, d=256, layers=4, heads=4, L=256):
        super().__init__()
        self.emb = nn.Embedding(256, d)
        self.pos = nn.Parameter(torch.zeros(1, L, d))
        layer = nn.TransformerEncoderLayer(d, heads, 4 * d, 0.0, batch_first=True, norm_first=True)
        self.tf = nn.TransformerEncoder(layer, layers)
        self.head = nn.Linear(d, 256)

    def forward(self, x):
        T = x.size(1)
        mask = nn.Transformer.generate_square_subsequent_mask(T)
        return self.head(self.tf(self.emb(x) + self.pos[:, :T], mask=mask, is_causal=True))


class SpikeGuard:
    def __init__(self, factor=8.0, warmup=50):
        self.factor, self.warmup = factor, warmup
        self.ema = None
        self.n = 0
        self.skipped_steps = 0

    def allow(self, gnorm, step):
        self.n += 1
        if not math.isfinite(gnorm) or (self.ema is not None and self.n > self.warmup and gnorm > self.factor * self.ema):
            self.skipped_steps += 1
            logger.warning("step %d: skipping update, grad norm %.3g (ema %.3g), %d skipped so far",
                           step, gnorm, self.ema or float("nan"), self.skipped_steps)
            return False
        self.ema = gnorm if self.ema is None else 0.99 * self.ema + 0.01 * gnorm
        return True


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--epochs", type=int, default=3)
    ap.add_argument("--lr", type=float, default=3e-4)
    args = ap.parse_args()
    logging.basicConfig(level=logging.INFO)
    loader = DataLoader(Bytes(), batch_size=16, shuffle=True, drop_last=True)
    model = ByteLM()
    opt = torch.optim.AdamW(model.parameters(), lr=args.lr, weight_decay=0.1)
    guard = SpikeGuard()
    step = 0
    model.train()
    for epoch in range(args.epochs):
        for x, y in loader:
            logits = model(x)
            loss = F.cross_entropy(logits.reshape(-1, 256), y.reshape(-1))
            opt.zero_grad(set_to_none=True)
            loss.backward()
            gnorm = float(nn.utils.clip_grad_norm_(model.parameters(), 1.0))
            if guard.allow(gnorm, step):
                opt.step()
            step += 1
            if step % 50 == 0:
                metrics = {"step": step, "loss": loss.item(), "bpb": loss.item() / math.log(2),
                           "grad_norm": gnorm, "skipped_steps": guard.skipped_steps}
                logger.info("%s", metrics)


if __name__ == "__main__":
    main()
