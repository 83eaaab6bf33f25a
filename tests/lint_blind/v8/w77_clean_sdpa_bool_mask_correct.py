# expect: clean
# style: nanoGPT-like bidirectional encoder with F.scaled_dot_product_attention and padding masks, masked-token pretraining on DNA k-mers
# note: a boolean attn_mask is built from the padding mask for SDPA (looks like TVL010), but it is True on real tokens (may attend) and the masked-LM loss ignores padded positions with ignore_index
import argparse
import math

import torch
import torch.nn as nn
import torch.nn.functional as F
from torch.utils.data import DataLoader, TensorDataset

PAD, MASK, VOCAB = 0, 1, 4 ** 3 + 2


class Attention(nn.Module):
    def __init__(self, d, h, p=0.1):
        super().__init__()
        self.h, self.p = h, p
        self.qkv = nn.Linear(d, 3 * d, bias=False)
        self.o = nn.Linear(d, d)

    def forward(self, x, keep):
        B, T, C = x.shape
        q, k, v = self.qkv(x).view(B, T, 3, self.h, C // self.h).permute(2, 0, 3, 1, 4)
        attn_mask = keep[:, None, None, :]  # (B,1,1,T) True = key is a real token
        y = F.scaled_dot_product_attention(q, k, v, attn_mask=attn_mask, dropout_p=self.p if self.training else 0.0)
        return self.o(y.transpose(1, 2).reshape(B, T, C))


class Layer(nn.Module):
    def __init__(self, d, h):
        super().__init__()
        self.n1, self.n2 = nn.LayerNorm(d), nn.LayerNorm(d)
        self.attn = Attention(d, h)
        self.ff = nn.Sequential(nn.Linear(d, 4 * d), nn.GELU(), nn.Linear(4 * d, d))

    def forward(self, x, keep):
        x = x + self.attn(self.n1(x), keep)
        return x + self.ff(self.n2(x))


class KmerBERT(nn.Module):
    def __init__(self, d=192, h=6, L=6, max_len=256):
        super().__init__()
        self.tok = nn.Embedding(VOCAB, d, padding_idx=PAD)
        self.pos = nn.Embedding(max_len, d)
        self.layers = nn.ModuleList([Layer(d, h) for _ in range(L)])
        self.norm = nn.LayerNorm(d)
        self.lm_head = nn.Linear(d, VOCAB)

    def forward(self, ids):
        keep = ids != PAD
        x = self.tok(ids) + self.pos(torch.arange(ids.size(1), device=ids.device))
        for layer in self.layers:
            x = layer(x, keep)
        return self.lm_head(self.norm(x))


def mask_tokens(ids, p=0.15):
    labels = ids.clone()
    real = ids != PAD
    chosen = (torch.rand(ids.shape) < p) & real
    labels[~chosen] = -100
    inp = ids.clone()
    inp[chosen] = MASK
    return inp, labels


def fake_genome(n, max_len=256, seed=0):
    g = torch.Generator().manual_seed(seed)
    ids = torch.randint(2, VOCAB, (n, max_len), generator=g)
    lens = torch.randint(64, max_len, (n,), generator=g)
    ids[torch.arange(max_len)[None] >= lens[:, None]] = PAD
    return ids


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--epochs", type=int, default=10)
    ap.add_argument("--lr", type=float, default=4e-4)
    args = ap.parse_args()
    device = "cuda" if torch.cuda.is_available() else "cpu"
    train_loader = DataLoader(TensorDataset(fake_genome(20000)), batch_size=64, shuffle=True)
    val_loader = DataLoader(TensorDataset(fake_genome(1000, seed=1)), batch_size=128)
    model = KmerBERT().to(device)
    opt = torch.optim.AdamW(model.parameters(), lr=args.lr, weight_decay=0.01)
    for epoch in range(args.epochs):
        model.train()
        tot = 0.0
        for (ids,) in train_loader:
            inp, labels = mask_tokens(ids)
            inp, labels = inp.to(device), labels.to(device)
            logits = model(inp)
            loss = F.cross_entropy(logits.view(-1, VOCAB), labels.view(-1), ignore_index=-100)
            opt.zero_grad()
            loss.backward()
            opt.step()
            tot += loss.item()
        model.eval()
        vl, vn = 0.0, 0
        with torch.no_grad():
            for (ids,) in val_loader:
                inp, labels = mask_tokens(ids)
                logits = model(inp.to(device))
                vl += F.cross_entropy(logits.view(-1, VOCAB), labels.to(device).view(-1), ignore_index=-100).item()
                vn += 1
        print(f"epoch {epoch} mlm {tot / len(train_loader):.4f} val {vl / vn:.4f} ppl {math.exp(vl / vn):.2f}")
    torch.save(model.state_dict(), "kmer_bert.pt")


if __name__ == "__main__":
    main()
