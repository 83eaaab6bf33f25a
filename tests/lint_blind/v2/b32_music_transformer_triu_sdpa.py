# expect: TVL010
# style: symbolic-music Transformer (MIDI event LM) research repo with a causal self-attention module
# bug: the registered bool buffer is torch.triu(ones, diagonal=1).bool() (True = future) but SDPA treats True as "may attend", so the mask is inverted
import argparse

import torch
import torch.nn as nn
import torch.nn.functional as F
from torch.utils.data import DataLoader, TensorDataset


class CausalSelfAttention(nn.Module):
    def __init__(self, d_model, n_head, max_len):
        super().__init__()
        self.n_head = n_head
        self.qkv = nn.Linear(d_model, 3 * d_model)
        self.proj = nn.Linear(d_model, d_model)
        self.register_buffer("mask", torch.triu(torch.ones(max_len, max_len), diagonal=1).bool())

    def forward(self, x):
        B, T, C = x.shape
        q, k, v = self.qkv(x).split(C, dim=2)
        q, k, v = (t.view(B, T, self.n_head, C // self.n_head).transpose(1, 2) for t in (q, k, v))
        y = F.scaled_dot_product_attention(q, k, v, attn_mask=self.mask[:T, :T], dropout_p=0.1 if self.training else 0.0)
        return self.proj(y.transpose(1, 2).contiguous().view(B, T, C))


class MusicTransformer(nn.Module):
    def __init__(self, n_events=388, d_model=256, n_head=8, n_layer=4, max_len=512):
        super().__init__()
        self.embed = nn.Embedding(n_events, d_model)
        self.pos = nn.Embedding(max_len, d_model)
        self.attn = nn.ModuleList([CausalSelfAttention(d_model, n_head, max_len) for _ in range(n_layer)])
        self.ff = nn.ModuleList([nn.Sequential(nn.LayerNorm(d_model), nn.Linear(d_model, 4 * d_model), nn.GELU(),
                                               nn.Linear(4 * d_model, d_model)) for _ in range(n_layer)])
        self.norms = nn.ModuleList([nn.LayerNorm(d_model) for _ in range(n_layer)])
        self.out = nn.Linear(d_model, n_events)

    def forward(self, events):
        T = events.size(1)
        h = self.embed(events) + self.pos(torch.arange(T, device=events.device))
        for attn, ff, norm in zip(self.attn, self.ff, self.norms):
            h = h + attn(norm(h))
            h = h + ff(h)
        return self.out(h)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--seq_len", type=int, default=256)
    ap.add_argument("--epochs", type=int, default=5)
    ap.add_argument("--lr", type=float, default=1e-4)
    args = ap.parse_args()
    model = MusicTransformer()
    opt = torch.optim.Adam(model.parameters(), lr=args.lr, betas=(0.9, 0.98))
    seqs = torch.randint(0, 388, (256, args.seq_len + 1))
    loader = DataLoader(TensorDataset(seqs), batch_size=16, shuffle=True)
    for epoch in range(args.epochs):
        model.train()
        for i, (s,) in enumerate(loader):
            logits = model(s[:, :-1])
            loss = F.cross_entropy(logits.reshape(-1, logits.size(-1)), s[:, 1:].reshape(-1))
            opt.zero_grad()
            loss.backward()
            opt.step()
            if i % 4 == 0:
                print(f"epoch {epoch} batch {i} nll {loss.item():.3f}")


if __name__ == "__main__":
    main()
