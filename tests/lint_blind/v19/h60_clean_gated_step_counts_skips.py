# expect: clean
# style: large-ish LM pretraining loop (nanoGPT-like) with a non-finite-gradient guard helper
# note: optimizer.step() is skipped when the grad norm is non-finite or spikes (TVL011 look-alike), but every skip increments a counter that is logged and checkpointed, and training aborts if too many steps are skipped
import argparse
import math
import os
import time

import torch
import torch.nn as nn
import torch.nn.functional as F


class SkipTracker:
    def __init__(self, max_consecutive=50):
        self.total = 0
        self.consecutive = 0
        self.max_consecutive = max_consecutive

    def record(self, skipped, step, norm):
        if skipped:
            self.total += 1
            self.consecutive += 1
            print(f"[warn] step {step}: skipped update (grad norm {norm:.3e}), total skipped {self.total}")
            if self.consecutive > self.max_consecutive:
                raise RuntimeError("too many consecutive skipped steps, aborting")
        else:
            self.consecutive = 0


class Block(nn.Module):
    def __init__(self, d, h):
        super().__init__()
        self.ln1 = nn.LayerNorm(d)
        self.attn = nn.MultiheadAttention(d, h, batch_first=True)
        self.ln2 = nn.LayerNorm(d)
        self.mlp = nn.Sequential(nn.Linear(d, 4 * d), nn.GELU(), nn.Linear(4 * d, d))

    def forward(self, x, causal):
        y = self.ln1(x)
        x = x + self.attn(y, y, y, attn_mask=causal, need_weights=False)[0]
        return x + self.mlp(self.ln2(x))


class GPT(nn.Module):
    def __init__(self, vocab, block, d=384, h=6, n=6):
        super().__init__()
        self.tok = nn.Embedding(vocab, d)
        self.pos = nn.Embedding(block, d)
        self.blocks = nn.ModuleList([Block(d, h) for _ in range(n)])
        self.ln = nn.LayerNorm(d)
        self.head = nn.Linear(d, vocab, bias=False)

    def forward(self, idx):
        T = idx.size(1)
        causal = torch.triu(torch.ones(T, T, dtype=torch.bool, device=idx.device), 1)
        x = self.tok(idx) + self.pos(torch.arange(T, device=idx.device))
        for b in self.blocks:
            x = b(x, causal)
        return self.head(self.ln(x))


def get_batch(data, block, bs, device):
    ix = torch.randint(len(data) - block - 1, (bs,))
    x = torch.stack([data[i:i + block] for i in ix])
    y = torch.stack([data[i + 1:i + 1 + block] for i in ix])
    return x.to(device), y.to(device)


def lr_at(it, warmup, max_iters, lr, min_lr):
    if it < warmup:
        return lr * (it + 1) / warmup
    ratio = (it - warmup) / max(1, max_iters - warmup)
    return min_lr + 0.5 * (1 + math.cos(math.pi * ratio)) * (lr - min_lr)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--max-iters", type=int, default=5000)
    ap.add_argument("--block", type=int, default=128)
    ap.add_argument("--bs", type=int, default=32)
    ap.add_argument("--lr", type=float, default=6e-4)
    ap.add_argument("--spike", type=float, default=100.0)
    ap.add_argument("--out", default="out-gpt")
    args = ap.parse_args()
    torch.manual_seed(1337)
    device = "cuda" if torch.cuda.is_available() else "cpu"
    vocab = 512
    data = torch.randint(0, vocab, (2_000_000,))
    n = int(0.9 * len(data))
    train_data, val_data = data[:n], data[n:]

    model = GPT(vocab, args.block).to(device)
    opt = torch.optim.AdamW(model.parameters(), lr=args.lr, betas=(0.9, 0.95), weight_decay=0.1)
    tracker = SkipTracker()
    os.makedirs(args.out, exist_ok=True)
    t0 = time.time()
    model.train()
    for it in range(args.max_iters):
        for g in opt.param_groups:
            g["lr"] = lr_at(it, 200, args.max_iters, args.lr, args.lr / 10)
        x, y = get_batch(train_data, args.block, args.bs, device)
        loss = F.cross_entropy(model(x).view(-1, vocab), y.view(-1))
        opt.zero_grad(set_to_none=True)
        loss.backward()
        norm = torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
        skip = (not torch.isfinite(norm)) or norm.item() > args.spike
        tracker.record(skip, it, float(norm))
        if not skip:
            opt.step()
        if it % 250 == 0:
            model.eval()
            with torch.no_grad():
                vx, vy = get_batch(val_data, args.block, args.bs, device)
                vloss = F.cross_entropy(model(vx).view(-1, vocab), vy.view(-1)).item()
            model.train()
            print(f"iter {it}: train {loss.item():.4f} val {vloss:.4f} skipped {tracker.total} "
                  f"({time.time() - t0:.0f}s)")
            torch.save({"model": model.state_dict(), "iter": it, "skipped_steps": tracker.total},
                       os.path.join(args.out, "ckpt.pt"))


if __name__ == "__main__":
    main()
