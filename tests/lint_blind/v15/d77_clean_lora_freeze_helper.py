# expect: clean
# style: LoRA-style adapter fine-tuning of a small transformer LM; freezing and optimizer construction done in separate helpers
# note: the optimizer is built only over the LoRA parameters (a partial optimizer), but mark_only_lora_as_trainable() sets requires_grad=False on every other parameter before the optimizer is created, so no gradients are computed-and-dropped
import argparse
import logging
import math

import torch
import torch.nn as nn
import torch.nn.functional as F

log = logging.getLogger("lora")


class LoRALinear(nn.Module):
    def __init__(self, base: nn.Linear, r=8, alpha=16):
        super().__init__()
        self.base = base
        self.lora_A = nn.Parameter(torch.randn(r, base.in_features) * 0.01)
        self.lora_B = nn.Parameter(torch.zeros(base.out_features, r))
        self.scale = alpha / r

    def forward(self, x):
        return self.base(x) + (x @ self.lora_A.t() @ self.lora_B.t()) * self.scale


class Block(nn.Module):
    def __init__(self, d, heads):
        super().__init__()
        self.ln1, self.ln2 = nn.LayerNorm(d), nn.LayerNorm(d)
        self.q, self.k, self.v, self.o = (nn.Linear(d, d) for _ in range(4))
        self.mlp = nn.Sequential(nn.Linear(d, 4 * d), nn.GELU(), nn.Linear(4 * d, d))
        self.heads = heads

    def forward(self, x):
        B, T, D = x.shape
        h = self.ln1(x)
        q, k, v = (proj(h).view(B, T, self.heads, -1).transpose(1, 2) for proj in (self.q, self.k, self.v))
        a = F.scaled_dot_product_attention(q, k, v, is_causal=True)
        x = x + self.o(a.transpose(1, 2).reshape(B, T, D))
        return x + self.mlp(self.ln2(x))


class LM(nn.Module):
    def __init__(self, vocab=1000, d=256, layers=4, heads=4, ctx=128):
        super().__init__()
        self.tok, self.pos = nn.Embedding(vocab, d), nn.Embedding(ctx, d)
        self.blocks = nn.ModuleList([Block(d, heads) for _ in range(layers)])
        self.ln = nn.LayerNorm(d)
        self.head = nn.Linear(d, vocab, bias=False)

    def forward(self, idx):
        x = self.tok(idx) + self.pos(torch.arange(idx.size(1), device=idx.device))
        for b in self.blocks:
            x = b(x)
        return self.head(self.ln(x))


def inject_lora(model, targets=("q", "v"), r=8):
    for block in model.blocks:
        for name in targets:
            setattr(block, name, LoRALinear(getattr(block, name), r=r))
    return model


def mark_only_lora_as_trainable(model):
    for n, p in model.named_parameters():
        p.requires_grad = "lora_" in n
    trainable = sum(p.numel() for p in model.parameters() if p.requires_grad)
    total = sum(p.numel() for p in model.parameters())
    log.info("trainable params: %d / %d (%.2f%%)", trainable, total, 100 * trainable / total)


def build_optimizer(model, lr):
    lora_params = [p for n, p in model.named_parameters() if "lora_" in n]
    return torch.optim.AdamW(lora_params, lr=lr, weight_decay=0.0)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--steps", type=int, default=1500)
    ap.add_argument("--lr", type=float, default=1e-3)
    ap.add_argument("--rank", type=int, default=8)
    args = ap.parse_args()
    logging.basicConfig(level=logging.INFO)
    torch.manual_seed(0)
    model = inject_lora(LM(), r=args.rank)
    mark_only_lora_as_trainable(model)
    opt = build_optimizer(model, args.lr)

    data = torch.randint(0, 1000, (100_000,))
    model.train()
    for step in range(args.steps):
        ix = torch.randint(0, len(data) - 129, (16,))
        x = torch.stack([data[i : i + 128] for i in ix])
        y = torch.stack([data[i + 1 : i + 129] for i in ix])
        logits = model(x)
        loss = F.cross_entropy(logits.view(-1, logits.size(-1)), y.view(-1))
        opt.zero_grad(set_to_none=True)
        loss.backward()
        opt.step()
        if step % 100 == 0:
            log.info("step %d loss %.4f ppl %.1f", step, loss.item(), math.exp(loss.item()))
    lora_state = {k: v for k, v in model.state_dict().items() if "lora_" in k}
    torch.save(lora_state, "lora_adapter.pt")


if __name__ == "__main__":
    main()
