# expect: clean
# style: modern encoder block using F.scaled_dot_product_attention with a boolean "may attend" mask built from the tokenizer attention_mask
# note: SDPA's boolean attn_mask is True where attention is allowed, so attention_mask.bool() (True on real tokens), broadcast over keys, is the right polarity
import argparse
import torch
import torch.nn as nn
import torch.nn.functional as F
from torch.utils.data import DataLoader, TensorDataset


def build_sdpa_mask(attention_mask):
    """(B, T) with 1 for tokens -> (B, 1, 1, T) boolean, True = key may be attended."""
    return attention_mask.bool()[:, None, None, :]


class Attention(nn.Module):
    def __init__(self, dim, heads):
        super().__init__()
        self.heads = heads
        self.qkv = nn.Linear(dim, dim * 3)
        self.o = nn.Linear(dim, dim)

    def forward(self, x, attn_mask):
        B, T, C = x.shape
        q, k, v = self.qkv(x).view(B, T, 3, self.heads, C // self.heads).permute(2, 0, 3, 1, 4)
        y = F.scaled_dot_product_attention(q, k, v, attn_mask=attn_mask)
        return self.o(y.transpose(1, 2).reshape(B, T, C))


class Encoder(nn.Module):
    def __init__(self, vocab=16000, dim=128, heads=4, depth=2, n_cls=2):
        super().__init__()
        self.emb = nn.Embedding(vocab, dim)
        self.attn = nn.ModuleList([Attention(dim, heads) for _ in range(depth)])
        self.norm = nn.ModuleList([nn.LayerNorm(dim) for _ in range(depth)])
        self.head = nn.Linear(dim, n_cls)

    def forward(self, input_ids, attention_mask):
        mask = build_sdpa_mask(attention_mask)
        x = self.emb(input_ids)
        for attn, norm in zip(self.attn, self.norm):
            x = x + attn(norm(x), mask)
        return self.head(x[:, 0])  # first token is always a real [CLS] token


if __name__ == "__main__":
    ap = argparse.ArgumentParser()
    ap.add_argument("--epochs", type=int, default=2)
    args = ap.parse_args()
    lens = torch.randint(2, 48, (2000,))
    am = (torch.arange(48)[None] < lens[:, None]).long()
    ids = torch.randint(1, 16000, (2000, 48)) * am
    loader = DataLoader(TensorDataset(ids, am, torch.randint(0, 2, (2000,))), batch_size=32, shuffle=True)
    model = Encoder()
    opt = torch.optim.AdamW(model.parameters(), lr=3e-4)
    for epoch in range(args.epochs):
        model.train()
        for x, m, y in loader:
            loss = F.cross_entropy(model(x, m), y)
            opt.zero_grad()
            loss.backward()
            opt.step()
        print(f"epoch {epoch}: {loss.item():.4f}")
