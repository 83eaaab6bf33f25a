# expect: clean
# style: large-ish LM training loop with a step guard helper that counts and logs skipped updates (transformer LM on bytes)
# note: optimizer.step() is skipped when gradients are non-finite or the grad norm spikes, which looks like TVL011, but StepGuard counts every skip, logs it, and aborts after too many consecutive skips.
import argparse
import logging
import math

import torch
import torch.nn as nn
import torch.nn.functional as F

log = logging.getLogger("lm")


class StepGuard:
    def __init__(self, spike_factor=8.0, max_consecutive=20):
        self.spike_factor = spike_factor
        self.max_consecutive = max_consecutive
        self.ema = None
        self.skipped = 0
        self.consecutive = 0

    def check(self, grad_norm, step):
        norm = float(grad_norm)
        bad = not math.isfinite(norm) or (self.ema is not None and norm > self.spike_factor * self.ema)
        if bad:
            self.skipped += 1
            self.consecutive += 1
            log.warning("step %d: skipping update (grad_norm=%.3g, ema=%s, total skipped=%d)",
                        step, norm, f"{self.ema:.3g}" if self.ema else "n/a", self.skipped)
            if self.consecutive >= self.max_consecutive:
                raise RuntimeError(f"{self.consecutive} consecutive skipped steps; aborting")
            return False
        self.consecutive = 0
        self.ema = norm if self.ema is None else 0.98 * self.ema + 0.02 * norm
        return True


class ByteLM(nn.Module):
    def __init__(self, d=192, layers=3, heads=6, block=96):
        super().__init__()
        self.emb = nn.Embedding(256, d)
        self.pos = nn.Embedding(block, d)
        layer = nn.TransformerEncoderLayer(d, heads, 4 * d, 0.1, batch_first=True, norm_first=True)
        self.body = nn.TransformerEncoder(layer, layers)
        self.out = nn.Linear(d, 256)

    def forward(self, idx):
        T = idx.size(1)
        mask = torch.triu(torch.ones(T, T, dtype=torch.bool, device=idx.device), 1)
        h = self.body(self.emb(idx) + self.pos(torch.arange(T, device=idx.device)), mask=mask)
        return self.out(h)


def batches(data, block, bs):
    while True:
        ix = torch.randint(len(data) - block - 1, (bs,))
        yield torch.stack([data[i:i + block] for i in ix]), torch.stack([data[i + 1:i + block + 1] for i in ix])


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--iters", type=int, default=1500)
    ap.add_argument("--lr", type=float, default=3e-4)
    ap.add_argument("--clip", type=float, default=1.0)
    args = ap.parse_args()
    logging.basicConfig(level=logging.INFO)

    data = torch.tensor(list(("In the beginning was the word. " * 800).encode()), dtype=torch.long)
    model = ByteLM()
    opt = torch.optim.AdamW(model.parameters(), lr=args.lr, weight_decay=0.1)
    guard = StepGuard()
    stream = batches(data, 96, 32)
    model.train()
    for it in range(args.iters):
        x, y = next(stream)
        loss = F.cross_entropy(model(x).view(-1, 256), y.view(-1))
        opt.zero_grad(set_to_none=True)
        loss.backward()
        gn = nn.utils.clip_grad_norm_(model.parameters(), args.clip)
        if guard.check(gn, it):
            opt.step()
        if it % 100 == 0:
            log.info("it %d loss %.4f bpc %.3f grad_norm %.3f skipped %d", it, loss.item(),
                     loss.item() / math.log(2), float(gn), guard.skipped)
    log.info("finished: %d / %d updates skipped", guard.skipped, args.iters)
    torch.save({"model": model.state_dict(), "skipped": guard.skipped}, "bytelm.pt")


if __name__ == "__main__":
    main()
