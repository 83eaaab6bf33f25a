# expect: TVL010
# style: pytorch/examples-style transformer decoder (nn.MultiheadAttention, batch_first) + tiny train loop
# bug: attn_mask = tril(ones).bool() marks the allowed (past) positions True, but MHA treats True as NOT allowed
import argparse

import torch
import torch.nn as nn
import torch.nn.functional as F


class DecoderBlock(nn.Module):
    def __init__(self, d_model, nhead, dropout=0.1):
        super().__init__()
        self.self_attn = nn.MultiheadAttention(d_model, nhead, dropout=dropout, batch_first=True)
        self.norm1 = nn.LayerNorm(d_model)
        self.norm2 = nn.LayerNorm(d_model)
        self.ff = nn.Sequential(nn.Linear(d_model, 4 * d_model), nn.ReLU(), nn.Linear(4 * d_model, d_model))

    def forward(self, x):
        T = x.size(1)
        causal = torch.tril(torch.ones(T, T, device=x.device)).bool()
        h = self.norm1(x)
        attn_out, _ = self.self_attn(h, h, h, attn_mask=causal, need_weights=False)
        x = x + attn_out
        return x + self.ff(self.norm2(x))


class CharDecoder(nn.Module):
    def __init__(self, vocab, d_model=128, nhead=4, nlayers=3, max_len=128):
        super().__init__()
        self.embed = nn.Embedding(vocab, d_model)
        self.pos = nn.Parameter(torch.zeros(1, max_len, d_model))
        self.blocks = nn.ModuleList([DecoderBlock(d_model, nhead) for _ in range(nlayers)])
        self.head = nn.Linear(d_model, vocab)

    def forward(self, tokens):
        x = self.embed(tokens) + self.pos[:, : tokens.size(1)]
        for blk in self.blocks:
            x = blk(x)
        return self.head(x)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--vocab", type=int, default=96)
    parser.add_argument("--seq-len", type=int, default=64)
    parser.add_argument("--steps", type=int, default=500)
    parser.add_argument("--lr", type=float, default=3e-4)
    args = parser.parse_args()

    corpus = torch.randint(0, args.vocab, (50_000,))
    model = CharDecoder(args.vocab, max_len=args.seq_len)
    opt = torch.optim.AdamW(model.parameters(), lr=args.lr)
    model.train()
    for step in range(args.steps):
        ix = torch.randint(0, len(corpus) - args.seq_len - 1, (32,))
        x = torch.stack([corpus[i:i + args.seq_len] for i in ix])
        y = torch.stack([corpus[i + 1:i + 1 + args.seq_len] for i in ix])
        logits = model(x)
        loss = F.cross_entropy(logits.reshape(-1, args.vocab), y.reshape(-1))
        opt.zero_grad(set_to_none=True)
        loss.backward()
        opt.step()
        if step % 100 == 0:
            print(f"step {step} loss {loss.item():.3f}")


if __name__ == "__main__":
    main()
