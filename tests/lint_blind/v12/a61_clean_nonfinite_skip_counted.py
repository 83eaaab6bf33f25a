# expect: clean
# style: large-batch LM pretraining-lite loop with a step gate on non-finite gradient norm, counted and logged
# note: optimizer.step() is skipped when the gradient norm is not finite, but every skip increments a counter, is logged with a warning, and the run aborts after too many skips
import argparse
import logging
import math

import torch
import torch.nn as nn
import torch.nn.functional as F

logger = logging.getLogger("pretrain")


class TinyLM(nn.Module):
    def __init__(self, vocab=8192, d=384, layers=6, heads=6, ctx=256):
        super().__init__()
        self.tok = nn.Embedding(vocab, d)
        self.pos = nn.Parameter(torch.zeros(1, ctx, d))
        layer = nn.TransformerEncoderLayer(d, heads, 4 * d, 0.0, activation="gelu", batch_first=True, norm_first=True)
        self.blocks = nn.TransformerEncoder(layer, layers)
        self.norm = nn.LayerNorm(d)
        self.head = nn.Linear(d, vocab, bias=False)

    def forward(self, idx):
        T = idx.size(1)
        causal = nn.Transformer.generate_square_subsequent_mask(T, device=idx.device)
        h = self.blocks(self.tok(idx) + self.pos[:, :T], mask=causal, is_causal=True)
        return self.head(self.norm(h))


class StepGate:
    def __init__(self, max_consecutive=20):
        self.skipped = 0
        self.consecutive = 0
        self.max_consecutive = max_consecutive

    def check(self, grad_norm, step):
        if math.isfinite(grad_norm):
            self.consecutive = 0
            return True
        self.skipped += 1
        self.consecutive += 1
        logger.warning("step %d: non-finite grad norm (%s), skipping update (%d skipped so far)",
                       step, grad_norm, self.skipped)
        if self.consecutive >= self.max_consecutive:
            raise RuntimeError(f"{self.consecutive} consecutive non-finite steps, aborting")
        return False


def get_batch(data, bs, ctx):
    ix = torch.randint(len(data) - ctx - 1, (bs,))
    x = torch.stack([data[i:i + ctx] for i in ix])
    y = torch.stack([data[i + 1:i + ctx + 1] for i in ix])
    return x, y


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--steps", type=int, default=2000)
    ap.add_argument("--bs", type=int, default=16)
    ap.add_argument("--lr", type=float, default=6e-4)
    ap.add_argument("--clip", type=float, default=1.0)
    args = ap.parse_args()
    logging.basicConfig(level=logging.INFO)

    data = torch.randint(0, 8192, (1_000_000,))
    model = TinyLM()
    opt = torch.optim.AdamW(model.parameters(), lr=args.lr, betas=(0.9, 0.95), weight_decay=0.1)
    sched = torch.optim.lr_scheduler.LambdaLR(opt, lambda s: min(1.0, (s + 1) / 200))
    gate = StepGate()
    model.train()
    for step in range(args.steps):
        x, y = get_batch(data, args.bs, 256)
        logits = model(x)
        loss = F.cross_entropy(logits.view(-1, logits.size(-1)), y.view(-1))
        opt.zero_grad(set_to_none=True)
        loss.backward()
        gnorm = torch.nn.utils.clip_grad_norm_(model.parameters(), args.clip).item()
        if gate.check(gnorm, step):
            opt.step()
            sched.step()
        if step % 100 == 0:
            logger.info("step %d loss %.4f gnorm %.3f lr %.2e skipped %d", step, loss.item(), gnorm,
                        sched.get_last_lr()[0], gate.skipped)
    logger.info("done; %d of %d steps skipped", gate.skipped, args.steps)
    torch.save({"model": model.state_dict(), "skipped": gate.skipped}, "tinylm.pt")


if __name__ == "__main__":
    main()
