# expect: clean
# style: hand-written encoder-decoder attention with F.scaled_dot_product_attention, music/MIDI token modelling, mask helpers
# note: boolean masks are built and passed to SDPA, which is where inverted masks hide, but the helpers return True = may attend (tokens != pad, tril for causal), matching SDPA's convention
import argparse
import math

import torch
import torch.nn as nn
import torch.nn.functional as F
from torch.utils.data import DataLoader, TensorDataset

PAD = 0


def keep_mask(tokens):
    """(B, L) -> (B, 1, 1, L); True where the key is a real token and may be attended to."""
    return (tokens != PAD)[:, None, None, :]


def causal_keep_mask(T, device):
    return torch.tril(torch.ones(T, T, dtype=torch.bool, device=device))


class MHA(nn.Module):
    def __init__(self, d, h):
        super().__init__()
        self.h = h
        self.q, self.kv, self.o = nn.Linear(d, d), nn.Linear(d, 2 * d), nn.Linear(d, d)

    def forward(self, x, mem, mask):
        B, T, D = x.shape
        S = mem.size(1)
        q = self.q(x).view(B, T, self.h, -1).transpose(1, 2)
        k, v = self.kv(mem).view(B, S, 2, self.h, -1).permute(2, 0, 3, 1, 4)
        y = F.scaled_dot_product_attention(q, k, v, attn_mask=mask)
        return self.o(y.transpose(1, 2).reshape(B, T, D))


class DecoderBlock(nn.Module):
    def __init__(self, d, h):
        super().__init__()
        self.n1, self.n2, self.n3 = nn.LayerNorm(d), nn.LayerNorm(d), nn.LayerNorm(d)
        self.self_attn, self.cross_attn = MHA(d, h), MHA(d, h)
        self.ff = nn.Sequential(nn.Linear(d, 4 * d), nn.GELU(), nn.Linear(4 * d, d))

    def forward(self, x, mem, self_mask, mem_mask):
        h = self.n1(x)
        x = x + self.self_attn(h, h, self_mask)
        x = x + self.cross_attn(self.n2(x), mem, mem_mask)
        return x + self.ff(self.n3(x))


class ConditionalMusicLM(nn.Module):
    def __init__(self, vocab=512, d=256, h=8, layers=4, max_len=1024):
        super().__init__()
        self.emb = nn.Embedding(vocab, d, padding_idx=PAD)
        self.pos = nn.Embedding(max_len, d)
        self.cond_proj = nn.Linear(vocab, d)
        self.blocks = nn.ModuleList([DecoderBlock(d, h) for _ in range(layers)])
        self.out = nn.Linear(d, vocab)

    def forward(self, cond_tokens, tokens):
        T = tokens.size(1)
        mem = self.emb(cond_tokens)
        x = self.emb(tokens) + self.pos(torch.arange(T, device=tokens.device))
        self_mask = causal_keep_mask(T, tokens.device)[None, None] & keep_mask(tokens)
        self_mask = self_mask | torch.eye(T, dtype=torch.bool, device=tokens.device)  # never an all-False row
        mem_mask = keep_mask(cond_tokens)
        for blk in self.blocks:
            x = blk(x, mem, self_mask, mem_mask)
        return self.out(x)


def fake_midi(n, Lc=64, L=256, vocab=512):
    cond = torch.randint(1, vocab, (n, Lc))
    seq = torch.randint(1, vocab, (n, L + 1))
    seq[:, -30:] = PAD
    return TensorDataset(cond, seq)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--epochs", type=int, default=10)
    ap.add_argument("--lr", type=float, default=3e-4)
    args = ap.parse_args()
    loader = DataLoader(fake_midi(3000), batch_size=16, shuffle=True)
    model = ConditionalMusicLM()
    opt = torch.optim.AdamW(model.parameters(), lr=args.lr, weight_decay=0.01)
    for epoch in range(args.epochs):
        model.train()
        tot = 0.0
        for cond, seq in loader:
            logits = model(cond, seq[:, :-1])
            loss = F.cross_entropy(logits.reshape(-1, logits.size(-1)), seq[:, 1:].reshape(-1), ignore_index=PAD)
            opt.zero_grad()
            loss.backward()
            torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
            opt.step()
            tot += loss.item()
        print(f"epoch {epoch} loss {tot / len(loader):.4f} ppl {math.exp(tot / len(loader)):.1f}")
    torch.save(model.state_dict(), "music_lm.pt")


if __name__ == "__main__":
    main()
