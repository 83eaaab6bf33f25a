# expect: TVL010
# style: nanoGPT-like encoder written with F.scaled_dot_product_attention, padding mask built in the collate function, protein sequence classification
# bug: collate() builds pad_mask with True at padding positions and the attention layer passes it straight as attn_mask to F.scaled_dot_product_attention, where True means "may attend", so tokens attend only to padding.
import argparse
import math

import torch
import torch.nn as nn
import torch.nn.functional as F
from torch.utils.data import DataLoader, Dataset

AA = "ACDEFGHIKLMNPQRSTVWY"
PAD_IDX = 0


class ProteinDS(Dataset):
    def __init__(self, n=3000, seed=0):
        g = torch.Generator().manual_seed(seed)
        self.seqs = [torch.randint(1, len(AA) + 1, (int(torch.randint(30, 300, (1,), generator=g)),), generator=g)
                     for _ in range(n)]
        self.y = torch.randint(0, 10, (n,), generator=g)

    def __len__(self):
        return len(self.seqs)

    def __getitem__(self, i):
        return self.seqs[i], self.y[i]


def collate(batch):
    seqs, ys = zip(*batch)
    L = max(len(s) for s in seqs)
    ids = torch.full((len(seqs), L), PAD_IDX, dtype=torch.long)
    for i, s in enumerate(seqs):
        ids[i, :len(s)] = s
    pad_mask = ids == PAD_IDX
    return ids, pad_mask, torch.stack(ys)


class SelfAttention(nn.Module):
    def __init__(self, d, h, p=0.1):
        super().__init__()
        self.h, self.p = h, p
        self.qkv = nn.Linear(d, 3 * d)
        self.proj = nn.Linear(d, d)

    def forward(self, x, pad_mask):
        B, T, C = x.shape
        q, k, v = self.qkv(x).split(C, dim=2)
        q, k, v = (t.view(B, T, self.h, C // self.h).transpose(1, 2) for t in (q, k, v))
        mask = pad_mask[:, None, None, :]
        y = F.scaled_dot_product_attention(q, k, v, attn_mask=mask, dropout_p=self.p if self.training else 0.0)
        return self.proj(y.transpose(1, 2).reshape(B, T, C))


class Block(nn.Module):
    def __init__(self, d, h):
        super().__init__()
        self.ln1, self.ln2 = nn.LayerNorm(d), nn.LayerNorm(d)
        self.attn = SelfAttention(d, h)
        self.mlp = nn.Sequential(nn.Linear(d, 4 * d), nn.GELU(), nn.Linear(4 * d, d))

    def forward(self, x, pad_mask):
        x = x + self.attn(self.ln1(x), pad_mask)
        return x + self.mlp(self.ln2(x))


class ProtEncoder(nn.Module):
    def __init__(self, d=128, h=4, n_layers=4, n_classes=10, max_len=512):
        super().__init__()
        self.tok = nn.Embedding(len(AA) + 1, d, padding_idx=PAD_IDX)
        self.pos = nn.Embedding(max_len, d)
        self.blocks = nn.ModuleList([Block(d, h) for _ in range(n_layers)])
        self.ln = nn.LayerNorm(d)
        self.head = nn.Linear(d, n_classes)

    def forward(self, ids, pad_mask):
        x = self.tok(ids) + self.pos(torch.arange(ids.size(1), device=ids.device))
        for blk in self.blocks:
            x = blk(x, pad_mask)
        x = self.ln(x)
        keep = (~pad_mask).unsqueeze(-1).type_as(x)
        return self.head((x * keep).sum(1) / keep.sum(1))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--epochs", type=int, default=8)
    ap.add_argument("--lr", type=float, default=3e-4)
    args = ap.parse_args()
    loader = DataLoader(ProteinDS(), batch_size=32, shuffle=True, collate_fn=collate)
    model = ProtEncoder()
    opt = torch.optim.AdamW(model.parameters(), lr=args.lr, weight_decay=0.1)
    warm = 200
    sched = torch.optim.lr_scheduler.LambdaLR(opt, lambda s: min(1.0, (s + 1) / warm))
    model.train()
    for epoch in range(args.epochs):
        tot = 0.0
        for ids, pad_mask, y in loader:
            loss = F.cross_entropy(model(ids, pad_mask), y)
            opt.zero_grad(set_to_none=True)
            loss.backward()
            opt.step()
            sched.step()
            tot += loss.item()
        print(f"epoch {epoch} loss {tot / len(loader):.4f} ppl-ish {math.exp(tot / len(loader)):.2f}")


if __name__ == "__main__":
    main()
