# expect: TVL011
# style: nanoGPT/torchtitan-like pretraining loop with a loss-spike guard on the gradient norm
# bug: optimizer.step() is skipped whenever the pre-clipping gradient norm exceeds --spike_threshold, but skipped steps are never counted or logged, so a run can silently stop learning
import argparse
import math
import torch
import torch.nn as nn
import torch.nn.functional as F


class Block(nn.Module):
    def __init__(self, d, h):
        super().__init__()
        self.ln1, self.ln2 = nn.LayerNorm(d), nn.LayerNorm(d)
        self.attn = nn.MultiheadAttention(d, h, batch_first=True)
        self.mlp = nn.Sequential(nn.Linear(d, 4 * d), nn.GELU(), nn.Linear(4 * d, d))

    def forward(self, x, causal):
        a = self.ln1(x)
        x = x + self.attn(a, a, a, attn_mask=causal, need_weights=False)[0]
        return x + self.mlp(self.ln2(x))


class GPT(nn.Module):
    def __init__(self, vocab=50304, ctx=256, d=384, layers=6, heads=6):
        super().__init__()
        self.wte, self.wpe = nn.Embedding(vocab, d), nn.Embedding(ctx, d)
        self.blocks = nn.ModuleList(Block(d, heads) for _ in range(layers))
        self.ln_f = nn.LayerNorm(d)
        self.lm_head = nn.Linear(d, vocab, bias=False)

    def forward(self, idx):
        T = idx.size(1)
        causal = torch.triu(torch.ones(T, T, dtype=torch.bool, device=idx.device), diagonal=1)
        x = self.wte(idx) + self.wpe(torch.arange(T, device=idx.device))
        for blk in self.blocks:
            x = blk(x, causal)
        return self.lm_head(self.ln_f(x))


def get_batch(data, block_size, batch_size):
    ix = torch.randint(len(data) - block_size - 1, (batch_size,))
    x = torch.stack([data[i:i + block_size] for i in ix])
    y = torch.stack([data[i + 1:i + 1 + block_size] for i in ix])
    return x, y


def get_lr(it, args):
    if it < args.warmup_iters:
        return args.lr * (it + 1) / args.warmup_iters
    ratio = (it - args.warmup_iters) / max(1, args.max_iters - args.warmup_iters)
    return args.min_lr + 0.5 * (1 + math.cos(math.pi * ratio)) * (args.lr - args.min_lr)


if __name__ == "__main__":
    ap = argparse.ArgumentParser()
    ap.add_argument("--max_iters", type=int, default=5000)
    ap.add_argument("--warmup_iters", type=int, default=200)
    ap.add_argument("--lr", type=float, default=6e-4)
    ap.add_argument("--min_lr", type=float, default=6e-5)
    ap.add_argument("--grad_clip", type=float, default=1.0)
    ap.add_argument("--spike_threshold", type=float, default=20.0)
    args = ap.parse_args()
    data = torch.randint(0, 50304, (1_000_000,))
    model = GPT()
    optimizer = torch.optim.AdamW(model.parameters(), lr=args.lr, betas=(0.9, 0.95), weight_decay=0.1)
    for it in range(args.max_iters):
        for g in optimizer.param_groups:
            g["lr"] = get_lr(it, args)
        X, Y = get_batch(data, 256, 12)
        logits = model(X)
        loss = F.cross_entropy(logits.view(-1, logits.size(-1)), Y.view(-1))
        optimizer.zero_grad(set_to_none=True)
        loss.backward()
        norm = torch.nn.utils.clip_grad_norm_(model.parameters(), args.grad_clip)
        if norm.item() < args.spike_threshold:
            optimizer.step()
        if it % 100 == 0:
            print(f"iter {it}: loss {loss.item():.4f}, lr {get_lr(it, args):.2e}")
