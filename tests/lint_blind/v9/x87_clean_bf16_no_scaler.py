# expect: clean
# style: accelerate-like shim for bf16 training of a small Llama-style LM; no GradScaler because bf16 doesn't need one
# note: autocast is used without any GradScaler (bf16 has fp32's exponent range); clipping operates on real gradients and there is no scaler.step to pair with update.
import math

import torch
import torch.nn as nn
import torch.nn.functional as F


class Bf16Accelerator:
    def __init__(self):
        self.device = torch.device("cuda" if torch.cuda.is_available() else "cpu")

    def autocast(self):
        return torch.autocast(self.device.type, dtype=torch.bfloat16)

    def backward(self, loss):
        loss.backward()

    def clip_grad_norm_(self, params, max_norm):
        return nn.utils.clip_grad_norm_(params, max_norm)


class RMSNorm(nn.Module):
    def __init__(self, d, eps=1e-6):
        super().__init__()
        self.w = nn.Parameter(torch.ones(d))
        self.eps = eps

    def forward(self, x):
        return self.w * x * torch.rsqrt(x.pow(2).mean(-1, keepdim=True) + self.eps)


class Block(nn.Module):
    def __init__(self, d, h):
        super().__init__()
        self.h = h
        self.n1, self.n2 = RMSNorm(d), RMSNorm(d)
        self.qkv = nn.Linear(d, 3 * d, bias=False)
        self.o = nn.Linear(d, d, bias=False)
        self.gate, self.up, self.down = nn.Linear(d, 4 * d, bias=False), nn.Linear(d, 4 * d, bias=False), nn.Linear(4 * d, d, bias=False)

    def forward(self, x):
        B, T, D = x.shape
        q, k, v = self.qkv(self.n1(x)).view(B, T, 3, self.h, D // self.h).permute(2, 0, 3, 1, 4)
        x = x + self.o(F.scaled_dot_product_attention(q, k, v, is_causal=True).transpose(1, 2).reshape(B, T, D))
        h = self.n2(x)
        return x + self.down(F.silu(self.gate(h)) * self.up(h))


class TinyLlama(nn.Module):
    def __init__(self, vocab=4096, d=256, h=8, L=4, ctx=256):
        super().__init__()
        self.emb = nn.Embedding(vocab, d)
        self.pos = nn.Embedding(ctx, d)
        self.blocks = nn.ModuleList([Block(d, h) for _ in range(L)])
        self.norm = RMSNorm(d)
        self.head = nn.Linear(d, vocab, bias=False)

    def forward(self, idx):
        x = self.emb(idx) + self.pos(torch.arange(idx.size(1), device=idx.device))
        for b in self.blocks:
            x = b(x)
        return self.head(self.norm(x))


def main(iters=2000, bs=16, ctx=256):
    acc = Bf16Accelerator()
    model = TinyLlama(ctx=ctx).to(acc.device)
    opt = torch.optim.AdamW(model.parameters(), lr=3e-4, betas=(0.9, 0.95), weight_decay=0.1)
    sched = torch.optim.lr_scheduler.LambdaLR(opt, lambda it: min(1.0, (it + 1) / 100) * 0.5 * (1 + math.cos(math.pi * min(it, iters) / iters)))
    data = torch.randint(0, 4096, (400_000,))
    model.train()
    for it in range(iters):
        ix = torch.randint(len(data) - ctx - 1, (bs,))
        x = torch.stack([data[i:i + ctx] for i in ix]).to(acc.device)
        y = torch.stack([data[i + 1:i + ctx + 1] for i in ix]).to(acc.device)
        with acc.autocast():
            logits = model(x)
        loss = F.cross_entropy(logits.float().view(-1, logits.size(-1)), y.view(-1))
        opt.zero_grad(set_to_none=True)
        acc.backward(loss)
        gn = acc.clip_grad_norm_(model.parameters(), 1.0)
        opt.step()
        sched.step()
        if it % 100 == 0:
            print(f"it {it} loss {loss.item():.4f} gnorm {gn.item():.3f} lr {sched.get_last_lr()[0]:.2e}")


if __name__ == "__main__":
    main()
