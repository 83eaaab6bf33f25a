# expect: TVL010
# style: protein/sequence property regression with a hand-written attention block using F.scaled_dot_product_attention
# bug: build_attn_mask() marks padding positions with True ((ids == PAD) broadcast to (B,1,1,L)) and that boolean mask is passed to scaled_dot_product_attention, where True means "may attend", so residues attend only to padding
import argparse
import math
import random

import torch
import torch.nn as nn
import torch.nn.functional as F
from torch.utils.data import DataLoader, Dataset

AMINO = "ACDEFGHIKLMNPQRSTVWY"
PAD = 0
MAX_LEN = 128


class ProteinSet(Dataset):
    def __init__(self, n, seed):
        rnd = random.Random(seed)
        self.items = []
        for _ in range(n):
            L = rnd.randint(30, 110)
            seq = [rnd.randrange(len(AMINO)) + 1 for _ in range(L)]
            hydro = sum(1 for s in seq if AMINO[s - 1] in "AILMFVW") / L
            self.items.append((seq, hydro * 10 + rnd.gauss(0, 0.1)))

    def __len__(self):
        return len(self.items)

    def __getitem__(self, i):
        seq, y = self.items[i]
        ids = torch.full((MAX_LEN,), PAD, dtype=torch.long)
        ids[: len(seq)] = torch.tensor(seq)
        return ids, torch.tensor(y, dtype=torch.float32)


def build_attn_mask(ids):
    # (B, 1, 1, L) so it broadcasts over heads and queries
    return (ids == PAD)[:, None, None, :]


class MHSA(nn.Module):
    def __init__(self, d, h, p=0.1):
        super().__init__()
        self.h = h
        self.qkv = nn.Linear(d, 3 * d)
        self.out = nn.Linear(d, d)
        self.p = p

    def forward(self, x, attn_mask):
        B, L, D = x.shape
        q, k, v = self.qkv(x).view(B, L, 3, self.h, D // self.h).permute(2, 0, 3, 1, 4)
        y = F.scaled_dot_product_attention(q, k, v, attn_mask=attn_mask, dropout_p=self.p if self.training else 0.0)
        return self.out(y.transpose(1, 2).reshape(B, L, D))


class Block(nn.Module):
    def __init__(self, d, h):
        super().__init__()
        self.n1, self.n2 = nn.LayerNorm(d), nn.LayerNorm(d)
        self.attn = MHSA(d, h)
        self.ff = nn.Sequential(nn.Linear(d, 4 * d), nn.GELU(), nn.Linear(4 * d, d))

    def forward(self, x, mask):
        x = x + self.attn(self.n1(x), mask)
        return x + self.ff(self.n2(x))


class ProteinRegressor(nn.Module):
    def __init__(self, d=128, h=8, depth=4):
        super().__init__()
        self.emb = nn.Embedding(len(AMINO) + 1, d, padding_idx=PAD)
        pe = torch.zeros(MAX_LEN, d)
        pos = torch.arange(MAX_LEN)[:, None]
        div = torch.exp(torch.arange(0, d, 2) * (-math.log(10000.0) / d))
        pe[:, 0::2], pe[:, 1::2] = torch.sin(pos * div), torch.cos(pos * div)
        self.register_buffer("pe", pe[None])
        self.blocks = nn.ModuleList([Block(d, h) for _ in range(depth)])
        self.norm = nn.LayerNorm(d)
        self.head = nn.Linear(d, 1)

    def forward(self, ids):
        mask = build_attn_mask(ids)
        x = self.emb(ids) + self.pe[:, : ids.size(1)]
        for blk in self.blocks:
            x = blk(x, mask)
        keep = (ids != PAD).unsqueeze(-1).float()
        pooled = (self.norm(x) * keep).sum(1) / keep.sum(1)
        return self.head(pooled).squeeze(-1)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--epochs", type=int, default=10)
    ap.add_argument("--lr", type=float, default=3e-4)
    args = ap.parse_args()
    torch.manual_seed(0)
    device = "cuda" if torch.cuda.is_available() else "cpu"
    train_dl = DataLoader(ProteinSet(6000, 0), batch_size=32, shuffle=True)
    val_dl = DataLoader(ProteinSet(600, 1), batch_size=128)
    model = ProteinRegressor().to(device)
    opt = torch.optim.AdamW(model.parameters(), lr=args.lr, weight_decay=0.05)
    for epoch in range(args.epochs):
        model.train()
        tr = 0.0
        for ids, y in train_dl:
            ids, y = ids.to(device), y.to(device)
            loss = F.mse_loss(model(ids), y)
            opt.zero_grad()
            loss.backward()
            opt.step()
            tr += loss.item() * len(y)
        model.eval()
        se = 0.0
        with torch.no_grad():
            for ids, y in val_dl:
                se += ((model(ids.to(device)).cpu() - y) ** 2).sum().item()
        print(f"epoch {epoch} train_mse {tr / len(train_dl.dataset):.4f} val_rmse {math.sqrt(se / len(val_dl.dataset)):.4f}")
    torch.save(model.state_dict(), "protein_reg.pt")


if __name__ == "__main__":
    main()
