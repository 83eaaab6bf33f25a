# expect: clean
# style: research repo with utility functions and a metrics dict, GPT-style byte-level language model with spike protection
# note: optimizer.step() is skipped when the gradient norm is non-finite or a spike, as in the buggy pattern, but every skip increments a counter that is logged and checked against a budget.
import argparse
import math

import torch
import torch.nn as nn
import torch.nn.functional as F


class ByteLM(nn.Module):
    def __init__(self, dim=256, layers=4, heads=4, block=256):
        super().__init__()
        self.emb = nn.Embedding(256, dim)
        self.pos = nn.Embedding(block, dim)
        layer = nn.TransformerEncoderLayer(dim, heads, 4 * dim, 0.0, batch_first=True, norm_first=True)
        self.blocks = nn.TransformerEncoder(layer, layers)
        self.out = nn.Linear(dim, 256)
        self.block = block

    def forward(self, x):
        T = x.size(1)
        mask = nn.Transformer.generate_square_subsequent_mask(T)
        h = self.emb(x) + self.pos(torch.arange(T))
        return self.out(self.blocks(h, mask=mask, is_causal=True))


def total_grad_norm(model):
    return torch.nn.utils.clip_grad_norm_(model.parameters(), float("inf")).item()


def should_step(norm, ema_norm, spike_factor):
    if not math.isfinite(norm):
        return False
    return ema_norm is None or norm < spike_factor * ema_norm


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--iters", type=int, default=3000)
    ap.add_argument("--spike-factor", type=float, default=6.0)
    ap.add_argument("--max-skip-frac", type=float, default=0.02)
    args = ap.parse_args()

    corpus = torch.randint(0, 256, (1_000_000,))
    model = ByteLM()
    opt = torch.optim.AdamW(model.parameters(), lr=3e-4, weight_decay=0.1)
    stats = {"skipped_steps": 0, "applied_steps": 0}
    ema_norm = None
    model.train()
    for it in range(args.iters):
        ix = torch.randint(len(corpus) - model.block - 1, (16,))
        x = torch.stack([corpus[i:i + model.block] for i in ix])
        y = torch.stack([corpus[i + 1:i + model.block + 1] for i in ix])
        loss = F.cross_entropy(model(x).view(-1, 256), y.view(-1))
        opt.zero_grad(set_to_none=True)
        loss.backward()
        norm = total_grad_norm(model)
        if should_step(norm, ema_norm, args.spike_factor):
            torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
            opt.step()
            stats["applied_steps"] += 1
            ema_norm = norm if ema_norm is None else 0.98 * ema_norm + 0.02 * norm
        else:
            stats["skipped_steps"] += 1
            print(f"[warn] iter {it}: skipped update, grad norm {norm:.3e} (ema {ema_norm})")
        if stats["skipped_steps"] > args.max_skip_frac * args.iters:
            raise RuntimeError(f"too many skipped steps: {stats}")
        if it % 100 == 0:
            print(f"iter {it} loss {loss.item():.4f} {stats}")
    print("final", stats)


if __name__ == "__main__":
    main()
