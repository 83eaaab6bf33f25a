# expect: TVL016
# style: research repo with utils.clip_gradients() helper called from an AMP train step, GPT-style language model pretraining
# bug: train_step calls clip_gradients(model, max_norm) right after scaler.scale(loss).backward() and only then scaler.unscale_(optimizer), so clipping is applied to the scaled gradients.
import argparse
import math
import time

import torch
import torch.nn as nn
import torch.nn.functional as F
from torch.utils.data import DataLoader, Dataset


class TokenStream(Dataset):
    def __init__(self, n_tokens=400000, block=128, vocab=8192, seed=0):
        g = torch.Generator().manual_seed(seed)
        self.data = torch.randint(0, vocab, (n_tokens,), generator=g)
        self.block = block

    def __len__(self):
        return (len(self.data) - 1) // self.block

    def __getitem__(self, i):
        chunk = self.data[i * self.block:(i + 1) * self.block + 1]
        return chunk[:-1], chunk[1:]


class GPT(nn.Module):
    def __init__(self, vocab=8192, d=256, n_layer=4, n_head=4, block=128):
        super().__init__()
        self.wte = nn.Embedding(vocab, d)
        self.wpe = nn.Embedding(block, d)
        layer = nn.TransformerEncoderLayer(d, n_head, 4 * d, 0.1, batch_first=True, norm_first=True, activation="gelu")
        self.h = nn.TransformerEncoder(layer, n_layer)
        self.ln_f = nn.LayerNorm(d)
        self.lm_head = nn.Linear(d, vocab, bias=False)
        self.lm_head.weight = self.wte.weight
        self.register_buffer("causal", torch.triu(torch.full((block, block), float("-inf")), 1))

    def forward(self, idx):
        T = idx.size(1)
        x = self.wte(idx) + self.wpe(torch.arange(T, device=idx.device))
        x = self.h(x, mask=self.causal[:T, :T], is_causal=True)
        return self.lm_head(self.ln_f(x))


def clip_gradients(model, max_norm):
    params = [p for p in model.parameters() if p.grad is not None]
    return torch.nn.utils.clip_grad_norm_(params, max_norm)


def get_lr(it, args):
    if it < args.warmup:
        return args.lr * (it + 1) / args.warmup
    ratio = (it - args.warmup) / max(1, args.max_iters - args.warmup)
    return args.min_lr + 0.5 * (args.lr - args.min_lr) * (1 + math.cos(math.pi * min(ratio, 1.0)))


def train_step(model, batch, optimizer, scaler, args, device):
    x, y = (t.to(device) for t in batch)
    with torch.autocast(device_type="cuda", dtype=torch.float16, enabled=device == "cuda"):
        logits = model(x)
        loss = F.cross_entropy(logits.view(-1, logits.size(-1)), y.view(-1))
    scaler.scale(loss).backward()
    gnorm = clip_gradients(model, args.grad_clip)
    scaler.unscale_(optimizer)
    scaler.step(optimizer)
    scaler.update()
    optimizer.zero_grad(set_to_none=True)
    return loss.item(), float(gnorm)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--lr", type=float, default=6e-4)
    ap.add_argument("--min-lr", type=float, default=6e-5)
    ap.add_argument("--warmup", type=int, default=100)
    ap.add_argument("--max-iters", type=int, default=3000)
    ap.add_argument("--grad-clip", type=float, default=1.0)
    args = ap.parse_args()
    device = "cuda" if torch.cuda.is_available() else "cpu"
    loader = DataLoader(TokenStream(), batch_size=32, shuffle=True, drop_last=True, num_workers=2)
    model = GPT().to(device)
    optimizer = torch.optim.AdamW(model.parameters(), lr=args.lr, betas=(0.9, 0.95), weight_decay=0.1)
    scaler = torch.cuda.amp.GradScaler(enabled=device == "cuda")
    it, t0 = 0, time.time()
    model.train()
    while it < args.max_iters:
        for batch in loader:
            for g in optimizer.param_groups:
                g["lr"] = get_lr(it, args)
            loss, gnorm = train_step(model, batch, optimizer, scaler, args, device)
            if it % 100 == 0:
                print(f"iter {it}: loss {loss:.4f} gnorm {gnorm:.2f} lr {get_lr(it, args):.2e} ({time.time() - t0:.0f}s)")
            it += 1
            if it >= args.max_iters:
                break


if __name__ == "__main__":
    main()
