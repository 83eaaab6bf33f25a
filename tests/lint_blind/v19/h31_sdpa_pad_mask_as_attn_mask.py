# expect: TVL010
# style: nanoGPT-flavoured custom attention block for a protein-sequence masked-LM, inline mask handling
# bug: `pad_mask` is True at padding positions and is handed directly to F.scaled_dot_product_attention as attn_mask, where True means "may attend", so only the padding is attended
import math
import os
import time

import torch
import torch.nn as nn
import torch.nn.functional as F
from torch.utils.data import DataLoader, Dataset

AMINO = "ACDEFGHIKLMNPQRSTVWY"
PAD, MASK, VOCAB = 0, 1, len(AMINO) + 2
D_MODEL, N_HEAD, N_LAYER, MAX_LEN = 256, 8, 4, 256
BATCH, LR, EPOCHS = 32, 3e-4, 10
device = "cuda" if torch.cuda.is_available() else "cpu"
torch.manual_seed(1337)


class ProteinSeqs(Dataset):
    def __init__(self, n, seed=0):
        g = torch.Generator().manual_seed(seed)
        self.lens = torch.randint(30, MAX_LEN, (n,), generator=g)
        self.seqs = [torch.randint(2, VOCAB, (int(L),), generator=g) for L in self.lens]

    def __len__(self):
        return len(self.seqs)

    def __getitem__(self, i):
        return self.seqs[i]


def mlm_collate(batch, p=0.15):
    L = MAX_LEN  # fixed length so the compiled kernels see one shape
    x = torch.full((len(batch), L), PAD)
    for i, s in enumerate(batch):
        x[i, : len(s)] = s
    pad_mask = x.eq(PAD)
    y = x.clone()
    sel = (torch.rand(x.shape) < p) & ~pad_mask
    y[~sel] = -100
    x = x.masked_fill(sel, MASK)
    return x, y, pad_mask


class SelfAttention(nn.Module):
    def __init__(self):
        super().__init__()
        self.qkv = nn.Linear(D_MODEL, 3 * D_MODEL)
        self.proj = nn.Linear(D_MODEL, D_MODEL)
        self.drop = 0.1

    def forward(self, x, pad_mask):
        B, T, C = x.shape
        q, k, v = self.qkv(x).split(C, dim=2)
        q = q.view(B, T, N_HEAD, C // N_HEAD).transpose(1, 2)
        k = k.view(B, T, N_HEAD, C // N_HEAD).transpose(1, 2)
        v = v.view(B, T, N_HEAD, C // N_HEAD).transpose(1, 2)
        attn_mask = pad_mask[:, None, None, :]  # (B, 1, 1, T) broadcast over heads and queries
        y = F.scaled_dot_product_attention(q, k, v, attn_mask=attn_mask,
                                           dropout_p=self.drop if self.training else 0.0)
        return self.proj(y.transpose(1, 2).contiguous().view(B, T, C))


class Block(nn.Module):
    def __init__(self):
        super().__init__()
        self.ln1 = nn.LayerNorm(D_MODEL)
        self.attn = SelfAttention()
        self.ln2 = nn.LayerNorm(D_MODEL)
        self.mlp = nn.Sequential(nn.Linear(D_MODEL, 4 * D_MODEL), nn.GELU(), nn.Linear(4 * D_MODEL, D_MODEL))

    def forward(self, x, pad_mask):
        x = x + self.attn(self.ln1(x), pad_mask)
        return x + self.mlp(self.ln2(x))


class ProteinLM(nn.Module):
    def __init__(self):
        super().__init__()
        self.tok = nn.Embedding(VOCAB, D_MODEL)
        self.pos = nn.Embedding(MAX_LEN, D_MODEL)
        self.blocks = nn.ModuleList([Block() for _ in range(N_LAYER)])
        self.ln_f = nn.LayerNorm(D_MODEL)
        self.head = nn.Linear(D_MODEL, VOCAB, bias=False)
        self.head.weight = self.tok.weight

    def forward(self, x, pad_mask):
        h = self.tok(x) + self.pos(torch.arange(x.size(1), device=x.device))
        for b in self.blocks:
            h = b(h, pad_mask)
        return self.head(self.ln_f(h))


train_loader = DataLoader(ProteinSeqs(20000), batch_size=BATCH, shuffle=True, collate_fn=mlm_collate)
val_loader = DataLoader(ProteinSeqs(1000, seed=1), batch_size=64, collate_fn=mlm_collate)
model = ProteinLM().to(device)
optimizer = torch.optim.AdamW(model.parameters(), lr=LR, betas=(0.9, 0.95), weight_decay=0.1)
print(f"{sum(p.numel() for p in model.parameters()) / 1e6:.2f}M parameters")


@torch.no_grad()
def estimate_val_loss():
    model.eval()
    losses = []
    for x, y, pm in val_loader:
        x, y, pm = x.to(device), y.to(device), pm.to(device)
        logits = model(x, pm)
        losses.append(F.cross_entropy(logits.view(-1, VOCAB), y.view(-1), ignore_index=-100).item())
    model.train()
    return sum(losses) / len(losses)


os.makedirs("out-protein", exist_ok=True)
it, t0 = 0, time.time()
for epoch in range(EPOCHS):
    for x, y, pm in train_loader:
        x, y, pm = x.to(device), y.to(device), pm.to(device)
        logits = model(x, pm)
        loss = F.cross_entropy(logits.view(-1, VOCAB), y.view(-1), ignore_index=-100)
        optimizer.zero_grad(set_to_none=True)
        loss.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
        optimizer.step()
        if it % 200 == 0:
            dt = time.time() - t0
            t0 = time.time()
            print(f"iter {it}: loss {loss.item():.4f}, ppl {math.exp(loss.item()):.2f}, {dt * 1000:.0f}ms")
        it += 1
    vl = estimate_val_loss()
    print(f"epoch {epoch} val loss {vl:.4f}")
    torch.save({"model": model.state_dict(), "iter": it}, "out-protein/ckpt.pt")
