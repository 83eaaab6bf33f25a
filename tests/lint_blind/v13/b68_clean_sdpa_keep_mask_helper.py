# expect: clean
# style: hand-written transformer encoder with F.scaled_dot_product_attention, HF-style attention_mask, document classification
# note: the helper converts the HF attention_mask (1 = real token) into a boolean keep-mask (True = may attend) for SDPA, which is the polarity SDPA expects
import logging

import torch
import torch.nn as nn
import torch.nn.functional as F
from torch.utils.data import DataLoader, TensorDataset

log = logging.getLogger("doc")


def to_sdpa_mask(attention_mask):
    """HF attention_mask (B, L) with 1 for tokens -> (B, 1, 1, L) bool, True where attention is allowed."""
    return attention_mask.bool()[:, None, None, :]


class MHSA(nn.Module):
    def __init__(self, dim, heads):
        super().__init__()
        self.h = heads
        self.qkv = nn.Linear(dim, 3 * dim)
        self.o = nn.Linear(dim, dim)

    def forward(self, x, keep):
        B, L, D = x.shape
        q, k, v = self.qkv(x).reshape(B, L, 3, self.h, D // self.h).unbind(2)
        q, k, v = (t.transpose(1, 2) for t in (q, k, v))
        y = F.scaled_dot_product_attention(q, k, v, attn_mask=keep, dropout_p=0.1 if self.training else 0.0)
        return self.o(y.transpose(1, 2).reshape(B, L, D))


class EncoderLayer(nn.Module):
    def __init__(self, dim, heads):
        super().__init__()
        self.attn = MHSA(dim, heads)
        self.ff = nn.Sequential(nn.Linear(dim, 4 * dim), nn.GELU(), nn.Linear(4 * dim, dim))
        self.n1, self.n2 = nn.LayerNorm(dim), nn.LayerNorm(dim)

    def forward(self, x, keep):
        x = x + self.attn(self.n1(x), keep)
        return x + self.ff(self.n2(x))


class DocClassifier(nn.Module):
    def __init__(self, vocab=16000, dim=256, depth=4, heads=8, n_cls=20, max_len=256):
        super().__init__()
        self.tok = nn.Embedding(vocab, dim)
        self.pos = nn.Embedding(max_len, dim)
        self.layers = nn.ModuleList([EncoderLayer(dim, heads) for _ in range(depth)])
        self.norm = nn.LayerNorm(dim)
        self.cls = nn.Linear(dim, n_cls)

    def forward(self, input_ids, attention_mask):
        keep = to_sdpa_mask(attention_mask)
        x = self.tok(input_ids) + self.pos(torch.arange(input_ids.size(1), device=input_ids.device))
        for layer in self.layers:
            x = layer(x, keep)
        x = self.norm(x)
        m = attention_mask.unsqueeze(-1).float()
        return self.cls((x * m).sum(1) / m.sum(1).clamp(min=1))


def fake_batch_data(n, L=256, vocab=16000, seed=0):
    g = torch.Generator().manual_seed(seed)
    lens = torch.randint(20, L, (n,), generator=g)
    ids = torch.randint(1, vocab, (n, L), generator=g)
    am = (torch.arange(L)[None] < lens[:, None]).long()
    ids = ids * am
    return TensorDataset(ids, am, torch.randint(0, 20, (n,), generator=g))


if __name__ == "__main__":
    logging.basicConfig(level=logging.INFO)
    dev = torch.device("cuda" if torch.cuda.is_available() else "cpu")
    model = DocClassifier().to(dev)
    opt = torch.optim.AdamW(model.parameters(), lr=3e-4, weight_decay=0.05)
    tr = DataLoader(fake_batch_data(5000, seed=0), batch_size=32, shuffle=True)
    va = DataLoader(fake_batch_data(800, seed=1), batch_size=64)
    for ep in range(4):
        model.train()
        for ids, am, y in tr:
            ids, am, y = ids.to(dev), am.to(dev), y.to(dev)
            loss = F.cross_entropy(model(ids, am), y)
            opt.zero_grad(set_to_none=True)
            loss.backward()
            opt.step()
        model.eval()
        with torch.no_grad():
            acc = sum((model(i.to(dev), a.to(dev)).argmax(-1).cpu() == t).sum().item() for i, a, t in va) / 800
        log.info("epoch %d loss %.4f acc %.4f", ep, loss.item(), acc)
