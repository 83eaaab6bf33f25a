# expect: TVL011
# style: research repo with utility functions, GPT-style character language model
# bug: should_step() returns False when the global gradient norm exceeds a threshold and the loop silently skips optimizer.step() without counting or logging the skipped updates.
import argparse
import math

import torch
import torch.nn as nn
import torch.nn.functional as F


class CharGPT(nn.Module):
    def __init__(self, vocab=96, dim=192, layers=4, heads=6, block=128):
        super().__init__()
        self.tok = nn.Embedding(vocab, dim)
        self.pos = nn.Embedding(block, dim)
        layer = nn.TransformerEncoderLayer(dim, heads, 4 * dim, dropout=0.1, batch_first=True, norm_first=True)
        self.blocks = nn.TransformerEncoder(layer, layers)
        self.ln = nn.LayerNorm(dim)
        self.lm_head = nn.Linear(dim, vocab, bias=False)
        self.block = block

    def forward(self, idx):
        T = idx.size(1)
        causal = nn.Transformer.generate_square_subsequent_mask(T)
        x = self.tok(idx) + self.pos(torch.arange(T, device=idx.device))
        return self.lm_head(self.ln(self.blocks(x, mask=causal, is_causal=True)))


def grad_global_norm(model):
    norms = [p.grad.detach().norm(2) for p in model.parameters() if p.grad is not None]
    return torch.norm(torch.stack(norms), 2).item() if norms else 0.0


def should_step(model, max_norm):
    """Spike protection: refuse updates whose gradient norm is an outlier."""
    norm = grad_global_norm(model)
    return math.isfinite(norm) and norm < max_norm


def get_batch(data, block, bs):
    ix = torch.randint(len(data) - block - 1, (bs,))
    x = torch.stack([data[i:i + block] for i in ix])
    y = torch.stack([data[i + 1:i + block + 1] for i in ix])
    return x, y


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--iters", type=int, default=2000)
    ap.add_argument("--bs", type=int, default=32)
    ap.add_argument("--lr", type=float, default=6e-4)
    ap.add_argument("--spike-norm", type=float, default=10.0)
    args = ap.parse_args()

    data = torch.randint(0, 96, (200_000,))
    model = CharGPT()
    opt = torch.optim.AdamW(model.parameters(), lr=args.lr, betas=(0.9, 0.95), weight_decay=0.1)

    model.train()
    for it in range(args.iters):
        x, y = get_batch(data, model.block, args.bs)
        logits = model(x)
        loss = F.cross_entropy(logits.view(-1, logits.size(-1)), y.view(-1))
        opt.zero_grad(set_to_none=True)
        loss.backward()
        if should_step(model, args.spike_norm):
            opt.step()
        if it % 100 == 0:
            print(f"iter {it} loss {loss.item():.4f}")


if __name__ == "__main__":
    main()
