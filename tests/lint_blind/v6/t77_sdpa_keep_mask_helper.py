# expect: clean
# style: nanoGPT-like attention module with a mask helper, DNA sequence classification
# note: a boolean mask built from padding is passed to F.scaled_dot_product_attention through a helper, but the helper returns True for real (attendable) tokens, which is SDPA's convention.
import torch
import torch.nn as nn
import torch.nn.functional as F
from torch.utils.data import DataLoader, TensorDataset

PAD, VOCAB = 0, 6  # PAD, A, C, G, T, N


def attend_mask(tokens):
    """(B, L) -> (B, 1, 1, L) boolean mask, True where a key may be attended."""
    return (tokens != PAD)[:, None, None, :]


class MHSA(nn.Module):
    def __init__(self, dim, heads):
        super().__init__()
        self.heads = heads
        self.qkv = nn.Linear(dim, 3 * dim, bias=False)
        self.proj = nn.Linear(dim, dim)

    def forward(self, x, keep):
        B, L, D = x.shape
        qkv = self.qkv(x).view(B, L, 3, self.heads, D // self.heads).permute(2, 0, 3, 1, 4)
        y = F.scaled_dot_product_attention(qkv[0], qkv[1], qkv[2], attn_mask=keep)
        return self.proj(y.transpose(1, 2).reshape(B, L, D))


class Block(nn.Module):
    def __init__(self, dim, heads):
        super().__init__()
        self.ln1, self.ln2 = nn.LayerNorm(dim), nn.LayerNorm(dim)
        self.attn = MHSA(dim, heads)
        self.mlp = nn.Sequential(nn.Linear(dim, 4 * dim), nn.GELU(), nn.Linear(4 * dim, dim))

    def forward(self, x, keep):
        x = x + self.attn(self.ln1(x), keep)
        return x + self.mlp(self.ln2(x))


class PromoterClassifier(nn.Module):
    def __init__(self, dim=128, depth=3, heads=4, max_len=300):
        super().__init__()
        self.emb = nn.Embedding(VOCAB, dim, padding_idx=PAD)
        self.pos = nn.Parameter(torch.zeros(1, max_len, dim))
        self.blocks = nn.ModuleList([Block(dim, heads) for _ in range(depth)])
        self.head = nn.Linear(dim, 2)

    def forward(self, tokens):
        keep = attend_mask(tokens)
        x = self.emb(tokens) + self.pos[:, :tokens.size(1)]
        for blk in self.blocks:
            x = blk(x, keep)
        w = (tokens != PAD).float().unsqueeze(-1)
        return self.head((x * w).sum(1) / w.sum(1).clamp(min=1))


def make_data(n=4000, max_len=300):
    toks = torch.randint(1, VOCAB, (n, max_len))
    lens = torch.randint(100, max_len + 1, (n,))
    toks[torch.arange(max_len)[None] >= lens[:, None]] = PAD
    return TensorDataset(toks, torch.randint(0, 2, (n,)))


if __name__ == "__main__":
    loader = DataLoader(make_data(), batch_size=64, shuffle=True)
    model = PromoterClassifier()
    opt = torch.optim.AdamW(model.parameters(), lr=3e-4)
    for epoch in range(5):
        model.train()
        tot = 0.0
        for toks, y in loader:
            opt.zero_grad()
            loss = F.cross_entropy(model(toks), y)
            loss.backward()
            opt.step()
            tot += loss.item()
        print(f"epoch {epoch} loss {tot / len(loader):.4f}")
