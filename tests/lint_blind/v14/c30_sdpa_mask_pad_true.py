# expect: TVL010
# style: hand-written transformer encoder with F.scaled_dot_product_attention, protein sequence classification
# bug: the boolean attn_mask passed to scaled_dot_product_attention is (tokens == PAD), i.e. True at padding, but SDPA treats True as "may attend", so queries attend only to padding
import math

import torch
import torch.nn as nn
import torch.nn.functional as F
from torch.utils.data import DataLoader, Dataset

AMINO = "ACDEFGHIKLMNPQRSTVWY"
PAD, CLS = 0, 1
MAX_LEN = 256


class ProteinDataset(Dataset):
    def __init__(self, n, seed):
        g = torch.Generator().manual_seed(seed)
        self.seqs, self.labels = [], []
        for _ in range(n):
            L = int(torch.randint(30, MAX_LEN - 1, (1,), generator=g))
            s = torch.randint(2, 2 + len(AMINO), (L,), generator=g)
            self.seqs.append(s)
            self.labels.append(int((s == 5).float().mean() > 0.05))

    def __len__(self):
        return len(self.seqs)

    def __getitem__(self, i):
        ids = torch.full((MAX_LEN,), PAD)
        ids[0] = CLS
        ids[1:1 + len(self.seqs[i])] = self.seqs[i]
        return ids, self.labels[i]


class Attention(nn.Module):
    def __init__(self, dim, heads, p):
        super().__init__()
        self.h = heads
        self.qkv = nn.Linear(dim, 3 * dim)
        self.proj = nn.Linear(dim, dim)
        self.p = p

    def forward(self, x, mask):
        B, T, C = x.shape
        q, k, v = self.qkv(x).view(B, T, 3, self.h, C // self.h).permute(2, 0, 3, 1, 4)
        out = F.scaled_dot_product_attention(q, k, v, attn_mask=mask, dropout_p=self.p if self.training else 0.0)
        return self.proj(out.transpose(1, 2).reshape(B, T, C))


class EncoderLayer(nn.Module):
    def __init__(self, dim, heads, p=0.1):
        super().__init__()
        self.n1, self.n2 = nn.LayerNorm(dim), nn.LayerNorm(dim)
        self.attn = Attention(dim, heads, p)
        self.ff = nn.Sequential(nn.Linear(dim, 4 * dim), nn.GELU(), nn.Dropout(p), nn.Linear(4 * dim, dim))

    def forward(self, x, mask):
        x = x + self.attn(self.n1(x), mask)
        return x + self.ff(self.n2(x))


class ProtTransformer(nn.Module):
    def __init__(self, vocab=2 + len(AMINO), dim=128, heads=4, depth=4, n_classes=2):
        super().__init__()
        self.emb = nn.Embedding(vocab, dim, padding_idx=PAD)
        self.pos = nn.Parameter(torch.randn(1, MAX_LEN, dim) * 0.02)
        self.layers = nn.ModuleList([EncoderLayer(dim, heads) for _ in range(depth)])
        self.norm = nn.LayerNorm(dim)
        self.cls = nn.Linear(dim, n_classes)

    def forward(self, ids):
        mask = (ids == PAD)[:, None, None, :]          # (B, 1, 1, T)
        x = self.emb(ids) + self.pos[:, : ids.size(1)]
        for layer in self.layers:
            x = layer(x, mask)
        return self.cls(self.norm(x[:, 0]))


train_loader = DataLoader(ProteinDataset(3000, 0), batch_size=32, shuffle=True)
val_loader = DataLoader(ProteinDataset(400, 1), batch_size=64)
model = ProtTransformer()
opt = torch.optim.AdamW(model.parameters(), lr=3e-4, weight_decay=0.01)
warmup, total = 200, 10 * len(train_loader)
sched = torch.optim.lr_scheduler.LambdaLR(
    opt, lambda s: min(1.0, (s + 1) / warmup) * 0.5 * (1 + math.cos(math.pi * min(s, total) / total)))

for epoch in range(10):
    model.train()
    for step, (ids, y) in enumerate(train_loader):
        loss = F.cross_entropy(model(ids), y)
        opt.zero_grad()
        loss.backward()
        nn.utils.clip_grad_norm_(model.parameters(), 1.0)
        opt.step()
        sched.step()
        if step % 25 == 0:
            print(f"epoch {epoch} step {step} loss {loss.item():.4f}")
    model.eval()
    correct = 0
    with torch.no_grad():
        for ids, y in val_loader:
            correct += (model(ids).argmax(-1) == y).sum().item()
    print(f"epoch {epoch} val acc {correct / len(val_loader.dataset):.4f}")
