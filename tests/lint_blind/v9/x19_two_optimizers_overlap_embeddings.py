# expect: TVL006
# style: language-model pretraining script (small GPT) with a build_optimizers helper
# bug: build_optimizers creates a dense AdamW over all model parameters and a second SparseAdam-style optimizer over the token embedding, so the embedding weights are stepped by both optimizers each iteration.
import argparse
import math

import torch
import torch.nn as nn
import torch.nn.functional as F


class Block(nn.Module):
    def __init__(self, d, h):
        super().__init__()
        self.ln1 = nn.LayerNorm(d)
        self.attn = nn.MultiheadAttention(d, h, batch_first=True)
        self.ln2 = nn.LayerNorm(d)
        self.mlp = nn.Sequential(nn.Linear(d, 4 * d), nn.GELU(), nn.Linear(4 * d, d))

    def forward(self, x, causal):
        h = self.ln1(x)
        x = x + self.attn(h, h, h, attn_mask=causal, need_weights=False)[0]
        return x + self.mlp(self.ln2(x))


class TinyGPT(nn.Module):
    def __init__(self, vocab, d=256, h=4, n_layer=4, ctx=128):
        super().__init__()
        self.tok = nn.Embedding(vocab, d)
        self.pos = nn.Parameter(torch.zeros(1, ctx, d))
        self.blocks = nn.ModuleList([Block(d, h) for _ in range(n_layer)])
        self.ln_f = nn.LayerNorm(d)
        self.lm_head = nn.Linear(d, vocab, bias=False)

    def forward(self, idx):
        T = idx.size(1)
        causal = torch.triu(torch.ones(T, T, dtype=torch.bool, device=idx.device), diagonal=1)
        x = self.tok(idx) + self.pos[:, :T]
        for blk in self.blocks:
            x = blk(x, causal)
        return self.lm_head(self.ln_f(x))


def build_optimizers(model, args):
    dense = torch.optim.AdamW(model.parameters(), lr=args.lr, betas=(0.9, 0.95), weight_decay=0.1)
    # embeddings learn faster with their own optimizer
    emb = torch.optim.Adam(model.tok.parameters(), lr=args.lr * args.emb_lr_mult)
    return [dense, emb]


def get_batch(data, bs, ctx):
    ix = torch.randint(len(data) - ctx - 1, (bs,))
    x = torch.stack([data[i:i + ctx] for i in ix])
    y = torch.stack([data[i + 1:i + ctx + 1] for i in ix])
    return x, y


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--vocab", type=int, default=512)
    ap.add_argument("--lr", type=float, default=6e-4)
    ap.add_argument("--emb-lr-mult", type=float, default=5.0)
    ap.add_argument("--iters", type=int, default=2000)
    ap.add_argument("--ctx", type=int, default=128)
    ap.add_argument("--bs", type=int, default=32)
    args = ap.parse_args()

    data = torch.randint(0, args.vocab, (200_000,))
    model = TinyGPT(args.vocab, ctx=args.ctx)
    optimizers = build_optimizers(model, args)

    for it in range(args.iters):
        lr_scale = min(1.0, (it + 1) / 200) * 0.5 * (1 + math.cos(math.pi * it / args.iters))
        for opt in optimizers:
            for g in opt.param_groups:
                g["lr"] = g.setdefault("base_lr", g["lr"]) * lr_scale
        x, y = get_batch(data, args.bs, args.ctx)
        logits = model(x)
        loss = F.cross_entropy(logits.view(-1, logits.size(-1)), y.view(-1))
        for opt in optimizers:
            opt.zero_grad(set_to_none=True)
        loss.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
        for opt in optimizers:
            opt.step()
        if it % 100 == 0:
            print(f"iter {it} loss {loss.item():.4f} ppl {math.exp(loss.item()):.1f}")


if __name__ == "__main__":
    main()
