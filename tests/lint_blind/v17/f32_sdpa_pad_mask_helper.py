# expect: TVL010
# style: nanoGPT-like encoder with hand-written attention using F.scaled_dot_product_attention, protein sequence classification
# bug: make_attn_mask() returns True at padding positions and it is passed as attn_mask to scaled_dot_product_attention, where a boolean True means "may attend", so real tokens are masked out and padding is attended.
import argparse
import math
import random

import torch
import torch.nn as nn
import torch.nn.functional as F
from torch.utils.data import DataLoader, Dataset

AMINO = "ACDEFGHIKLMNPQRSTVWY"
PAD = 0
MAX_LEN = 256


class ProteinDataset(Dataset):
    def __init__(self, n, seed=0):
        rnd = random.Random(seed)
        self.items = []
        for _ in range(n):
            L = rnd.randint(40, MAX_LEN - 16)
            seq = "".join(rnd.choice(AMINO) for _ in range(L))
            label = int(seq.count("C") > L / 20)
            self.items.append((seq, label))

    def __len__(self):
        return len(self.items)

    def __getitem__(self, i):
        seq, y = self.items[i]
        ids = torch.zeros(MAX_LEN, dtype=torch.long)
        ids[: len(seq)] = torch.tensor([AMINO.index(c) + 1 for c in seq])
        return ids, y


def make_attn_mask(ids):
    # (B, 1, 1, T) so it broadcasts over heads and query positions
    return (ids == PAD)[:, None, None, :]


class SelfAttention(nn.Module):
    def __init__(self, d, n_head, dropout):
        super().__init__()
        self.qkv = nn.Linear(d, 3 * d)
        self.proj = nn.Linear(d, d)
        self.n_head, self.dropout = n_head, dropout

    def forward(self, x, mask):
        B, T, C = x.shape
        q, k, v = self.qkv(x).split(C, dim=2)
        q, k, v = (t.view(B, T, self.n_head, C // self.n_head).transpose(1, 2) for t in (q, k, v))
        y = F.scaled_dot_product_attention(q, k, v, attn_mask=mask,
                                           dropout_p=self.dropout if self.training else 0.0)
        return self.proj(y.transpose(1, 2).reshape(B, T, C))


class Block(nn.Module):
    def __init__(self, d, n_head, dropout=0.1):
        super().__init__()
        self.ln1, self.ln2 = nn.LayerNorm(d), nn.LayerNorm(d)
        self.attn = SelfAttention(d, n_head, dropout)
        self.mlp = nn.Sequential(nn.Linear(d, 4 * d), nn.GELU(), nn.Linear(4 * d, d), nn.Dropout(dropout))

    def forward(self, x, mask):
        x = x + self.attn(self.ln1(x), mask)
        return x + self.mlp(self.ln2(x))


class ProteinEncoder(nn.Module):
    def __init__(self, d=128, n_head=4, n_layer=4):
        super().__init__()
        self.wte = nn.Embedding(len(AMINO) + 1, d, padding_idx=PAD)
        self.wpe = nn.Embedding(MAX_LEN, d)
        self.blocks = nn.ModuleList([Block(d, n_head) for _ in range(n_layer)])
        self.ln_f = nn.LayerNorm(d)
        self.head = nn.Linear(d, 2)

    def forward(self, ids):
        mask = make_attn_mask(ids)
        x = self.wte(ids) + self.wpe(torch.arange(ids.size(1), device=ids.device))
        for blk in self.blocks:
            x = blk(x, mask)
        x = self.ln_f(x)
        keep = (ids != PAD).unsqueeze(-1).float()
        pooled = (x * keep).sum(1) / keep.sum(1).clamp_min(1.0)
        return self.head(pooled)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--epochs", type=int, default=6)
    ap.add_argument("--lr", type=float, default=3e-4)
    ap.add_argument("--warmup", type=int, default=200)
    args = ap.parse_args()
    torch.manual_seed(0)
    train_dl = DataLoader(ProteinDataset(5000), batch_size=32, shuffle=True)
    val_dl = DataLoader(ProteinDataset(800, seed=1), batch_size=128)
    model = ProteinEncoder()
    opt = torch.optim.AdamW(model.parameters(), lr=args.lr, betas=(0.9, 0.95), weight_decay=0.1)
    sched = torch.optim.lr_scheduler.LambdaLR(opt, lambda s: min(1.0, (s + 1) / args.warmup))
    for epoch in range(args.epochs):
        model.train()
        tot = 0.0
        for ids, y in train_dl:
            loss = F.cross_entropy(model(ids), y)
            opt.zero_grad(set_to_none=True)
            loss.backward()
            opt.step()
            sched.step()
            tot += loss.item()
        model.eval()
        correct = 0
        with torch.no_grad():
            for ids, y in val_dl:
                correct += (model(ids).argmax(-1) == y).sum().item()
        print(f"epoch {epoch} loss {tot / len(train_dl):.4f} val_acc {correct / len(val_dl.dataset):.4f} "
              f"ppl-ish {math.exp(tot / len(train_dl)):.3f}")


if __name__ == "__main__":
    main()
