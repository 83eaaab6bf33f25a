# expect: clean
# style: LM fine-tuning loop with a StepGuard helper class that skips non-finite / spiking updates
# note: optimizer.step() is gated on the gradient norm (looks like a silent skip), but StepGuard counts every skipped step, logs it with the offending norm, and aborts after too many consecutive skips
import argparse
import logging
import math

import torch
import torch.nn as nn
import torch.nn.functional as F

logger = logging.getLogger("finetune")


class StepGuard:
    def __init__(self, max_norm=1.0, spike_factor=20.0, max_consecutive=50):
        self.max_norm = max_norm
        self.spike_factor = spike_factor
        self.max_consecutive = max_consecutive
        self.skipped = 0
        self.consecutive = 0
        self.ema_norm = None

    def clip_and_check(self, params, step):
        norm = nn.utils.clip_grad_norm_(params, self.max_norm)
        finite = bool(torch.isfinite(norm))
        spike = finite and self.ema_norm is not None and norm.item() > self.spike_factor * self.ema_norm
        if not finite or spike:
            self.skipped += 1
            self.consecutive += 1
            logger.warning("step %d: skipping update (grad_norm=%s, total skipped=%d)", step, norm.item(), self.skipped)
            if self.consecutive >= self.max_consecutive:
                raise RuntimeError(f"{self.consecutive} consecutive skipped steps; aborting")
            return False
        self.consecutive = 0
        n = norm.item()
        self.ema_norm = n if self.ema_norm is None else 0.98 * self.ema_norm + 0.02 * n
        return True


class TinyLM(nn.Module):
    def __init__(self, vocab=512, d=256, n_layers=4, n_heads=4, ctx=128):
        super().__init__()
        self.tok = nn.Embedding(vocab, d)
        self.pos = nn.Embedding(ctx, d)
        layer = nn.TransformerEncoderLayer(d, n_heads, 4 * d, 0.1, batch_first=True, norm_first=True)
        self.blocks = nn.TransformerEncoder(layer, n_layers)
        self.head = nn.Linear(d, vocab)

    def forward(self, ids):
        T = ids.size(1)
        mask = nn.Transformer.generate_square_subsequent_mask(T, device=ids.device)
        h = self.tok(ids) + self.pos(torch.arange(T, device=ids.device))
        return self.head(self.blocks(h, mask=mask, is_causal=True))


def batches(data, ctx, bs, steps, seed):
    g = torch.Generator().manual_seed(seed)
    for _ in range(steps):
        ix = torch.randint(0, len(data) - ctx - 1, (bs,), generator=g)
        yield torch.stack([data[i : i + ctx] for i in ix]), torch.stack([data[i + 1 : i + ctx + 1] for i in ix])


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--steps", type=int, default=3000)
    ap.add_argument("--lr", type=float, default=3e-4)
    ap.add_argument("--bs", type=int, default=16)
    args = ap.parse_args()
    logging.basicConfig(level=logging.INFO)
    torch.manual_seed(0)
    data = torch.randint(0, 512, (200_000,))
    model = TinyLM()
    opt = torch.optim.AdamW(model.parameters(), lr=args.lr, weight_decay=0.1)
    sched = torch.optim.lr_scheduler.LambdaLR(opt, lambda s: min(1.0, (s + 1) / 200) * 0.5 * (1 + math.cos(math.pi * min(s, args.steps) / args.steps)))
    guard = StepGuard(max_norm=1.0)

    model.train()
    for step, (x, y) in enumerate(batches(data, 128, args.bs, args.steps, 0)):
        logits = model(x)
        loss = F.cross_entropy(logits.view(-1, logits.size(-1)), y.view(-1))
        opt.zero_grad(set_to_none=True)
        loss.backward()
        if guard.clip_and_check(model.parameters(), step):
            opt.step()
            sched.step()
        if step % 200 == 0:
            logger.info("step %d loss %.4f lr %.2e skipped %d", step, loss.item(), sched.get_last_lr()[0], guard.skipped)
    logger.info("done: %d/%d updates skipped", guard.skipped, args.steps)
    torch.save({"model": model.state_dict(), "skipped": guard.skipped}, "tinylm_ft.pt")


if __name__ == "__main__":
    main()
