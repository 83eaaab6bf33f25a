# expect: TVL005
# style: mixture-of-experts language model built via a registry/factory, char-level LM on synthetic text
# bug: MoELayer stores the experts returned by build_experts() in a plain dict, so none of the expert MLPs are registered submodules and the optimizer never updates them.
import argparse
import math

import torch
import torch.nn as nn
import torch.nn.functional as F

EXPERT_REGISTRY = {}


def register(name):
    def deco(fn):
        EXPERT_REGISTRY[name] = fn
        return fn
    return deco


@register("ffn")
def ffn_expert(d, mult):
    return nn.Sequential(nn.Linear(d, d * mult), nn.GELU(), nn.Linear(d * mult, d))


@register("glu")
def glu_expert(d, mult):
    class GLU(nn.Module):
        def __init__(self):
            super().__init__()
            self.w = nn.Linear(d, 2 * d * mult)
            self.o = nn.Linear(d * mult, d)

        def forward(self, x):
            a, b = self.w(x).chunk(2, -1)
            return self.o(a * F.silu(b))
    return GLU()


def build_experts(kind, n, d, mult):
    return {f"expert_{i}": EXPERT_REGISTRY[kind](d, mult) for i in range(n)}


class MoELayer(nn.Module):
    def __init__(self, d, n_experts=4, kind="glu", mult=2, top_k=2):
        super().__init__()
        self.router = nn.Linear(d, n_experts, bias=False)
        self.experts = build_experts(kind, n_experts, d, mult)
        self.top_k = top_k

    def forward(self, x):
        B, T, D = x.shape
        flat = x.reshape(-1, D)
        gates = F.softmax(self.router(flat), dim=-1)
        w, idx = gates.topk(self.top_k, dim=-1)
        w = w / w.sum(-1, keepdim=True)
        out = torch.zeros_like(flat)
        for e, (name, expert) in enumerate(self.experts.items()):
            mask = (idx == e)
            rows = mask.any(-1).nonzero(as_tuple=True)[0]
            if rows.numel() == 0:
                continue
            coef = (w * mask).sum(-1)[rows, None]
            out[rows] += coef * expert(flat[rows])
        aux = gates.mean(0).pow(2).sum() * gates.size(-1)
        return out.view(B, T, D), aux


class Block(nn.Module):
    def __init__(self, d, heads, n_experts):
        super().__init__()
        self.ln1, self.ln2 = nn.LayerNorm(d), nn.LayerNorm(d)
        self.attn = nn.MultiheadAttention(d, heads, batch_first=True)
        self.moe = MoELayer(d, n_experts)

    def forward(self, x, causal):
        h = self.ln1(x)
        x = x + self.attn(h, h, h, attn_mask=causal, need_weights=False)[0]
        m, aux = self.moe(self.ln2(x))
        return x + m, aux


class CharMoE(nn.Module):
    def __init__(self, vocab=96, d=128, heads=4, layers=2, n_experts=4, ctx=128):
        super().__init__()
        self.emb = nn.Embedding(vocab, d)
        self.pos = nn.Embedding(ctx, d)
        self.blocks = nn.ModuleList([Block(d, heads, n_experts) for _ in range(layers)])
        self.ln = nn.LayerNorm(d)
        self.head = nn.Linear(d, vocab)

    def forward(self, idx):
        T = idx.size(1)
        causal = torch.triu(torch.ones(T, T, dtype=torch.bool, device=idx.device), 1)
        x = self.emb(idx) + self.pos(torch.arange(T, device=idx.device))
        aux_total = 0.0
        for blk in self.blocks:
            x, aux = blk(x, causal)
            aux_total = aux_total + aux
        return self.head(self.ln(x)), aux_total


def get_batch(data, bs, ctx):
    ix = torch.randint(0, len(data) - ctx - 1, (bs,))
    x = torch.stack([data[i:i + ctx] for i in ix])
    y = torch.stack([data[i + 1:i + ctx + 1] for i in ix])
    return x, y


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--steps", type=int, default=2000)
    ap.add_argument("--bs", type=int, default=32)
    ap.add_argument("--ctx", type=int, default=128)
    ap.add_argument("--aux-coef", type=float, default=0.01)
    args = ap.parse_args()
    torch.manual_seed(0)
    data = torch.randint(0, 96, (200_000,))
    model = CharMoE(ctx=args.ctx)
    opt = torch.optim.AdamW(model.parameters(), lr=3e-4, weight_decay=0.1)
    model.train()
    for step in range(args.steps):
        x, y = get_batch(data, args.bs, args.ctx)
        logits, aux = model(x)
        loss = F.cross_entropy(logits.view(-1, logits.size(-1)), y.view(-1)) + args.aux_coef * aux
        opt.zero_grad(set_to_none=True)
        loss.backward()
        opt.step()
        if step % 100 == 0:
            print(f"step {step} loss {loss.item():.4f} ppl {math.exp(min(loss.item(), 20)):.1f}")


if __name__ == "__main__":
    main()
