# expect: clean
# style: research repo decoder-only model with a mask-building utility, music (MIDI event) language modelling
# note: build_attn_bias() returns a float additive mask with -inf at padded keys and future positions, which SDPA adds to the scores; a float mask has no True/False polarity to invert.
import torch
import torch.nn as nn
import torch.nn.functional as F

PAD = 0
N_EVENTS = 388  # note-on / note-off / time-shift / velocity


def build_attn_bias(tokens):
    B, L = tokens.shape
    causal = torch.ones(L, L, dtype=torch.bool, device=tokens.device).tril()
    keep = causal[None, None] & (tokens != PAD)[:, None, None, :]
    bias = torch.zeros(B, 1, L, L, device=tokens.device)
    bias.masked_fill_(~keep, float("-inf"))
    # a fully padded query row would be all -inf; let it see itself to avoid NaNs
    eye = torch.eye(L, dtype=torch.bool, device=tokens.device)[None, None]
    return bias.masked_fill(eye, 0.0)


class CausalSelfAttention(nn.Module):
    def __init__(self, d, h):
        super().__init__()
        self.h = h
        self.c_attn = nn.Linear(d, 3 * d)
        self.c_proj = nn.Linear(d, d)

    def forward(self, x, bias):
        B, L, D = x.shape
        q, k, v = self.c_attn(x).split(D, dim=2)
        q, k, v = (t.view(B, L, self.h, -1).transpose(1, 2) for t in (q, k, v))
        y = F.scaled_dot_product_attention(q, k, v, attn_mask=bias)
        return self.c_proj(y.transpose(1, 2).reshape(B, L, D))


class MusicLM(nn.Module):
    def __init__(self, d=256, h=8, n_layers=4, max_len=512):
        super().__init__()
        self.tok = nn.Embedding(N_EVENTS, d, padding_idx=PAD)
        self.pos = nn.Embedding(max_len, d)
        self.attn = nn.ModuleList([CausalSelfAttention(d, h) for _ in range(n_layers)])
        self.mlp = nn.ModuleList([nn.Sequential(nn.LayerNorm(d), nn.Linear(d, 4 * d), nn.GELU(), nn.Linear(4 * d, d))
                                  for _ in range(n_layers)])
        self.ln = nn.ModuleList([nn.LayerNorm(d) for _ in range(n_layers)])
        self.head = nn.Linear(d, N_EVENTS)

    def forward(self, tokens):
        bias = build_attn_bias(tokens)
        x = self.tok(tokens) + self.pos(torch.arange(tokens.size(1), device=tokens.device))
        for ln, attn, mlp in zip(self.ln, self.attn, self.mlp):
            x = x + attn(ln(x), bias)
            x = x + mlp(x)
        return self.head(x)


def sample_batch(bs=8, max_len=256):
    lens = torch.randint(64, max_len + 1, (bs,))
    toks = torch.randint(1, N_EVENTS, (bs, max_len))
    toks[torch.arange(max_len)[None] >= lens[:, None]] = PAD
    return toks


if __name__ == "__main__":
    model = MusicLM()
    opt = torch.optim.AdamW(model.parameters(), lr=3e-4, weight_decay=0.1)
    model.train()
    for step in range(3000):
        toks = sample_batch()
        logits = model(toks[:, :-1])
        loss = F.cross_entropy(logits.reshape(-1, N_EVENTS), toks[:, 1:].reshape(-1), ignore_index=PAD)
        opt.zero_grad(set_to_none=True)
        loss.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
        opt.step()
        if step % 200 == 0:
            print(f"step {step} nll {loss.item():.4f}")
