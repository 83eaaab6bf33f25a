# expect: clean
# style: ViT-style encoder for variable-length sensor sequences using F.scaled_dot_product_attention; mask built in collate
# note: a boolean mask is passed to scaled_dot_product_attention, which looks like TVL010, but collate builds `valid` (True = real step) and the model passes that keep-mask, matching SDPA's True = may attend convention.
import argparse
import logging

import torch
import torch.nn as nn
import torch.nn.functional as F
from torch.utils.data import DataLoader, Dataset

log = logging.getLogger("har")


class Activity(Dataset):
    def __init__(self, n, seed):
        g = torch.Generator().manual_seed(seed)
        self.items = []
        for _ in range(n):
            y = int(torch.randint(0, 6, (1,), generator=g))
            L = int(torch.randint(20, 120, (1,), generator=g))
            t = torch.arange(L).float()
            sig = torch.stack([torch.sin(t * (y + 1) / 10), torch.cos(t * (y + 1) / 7), torch.randn(L, generator=g) * 0.3], 1)
            self.items.append((sig, y))

    def __len__(self):
        return len(self.items)

    def __getitem__(self, i):
        return self.items[i]


def collate(batch):
    L = max(x.size(0) for x, _ in batch)
    xs = torch.zeros(len(batch), L, 3)
    valid = torch.zeros(len(batch), L, dtype=torch.bool)
    for i, (x, _) in enumerate(batch):
        xs[i, :x.size(0)] = x
        valid[i, :x.size(0)] = True
    return xs, valid, torch.tensor([y for _, y in batch])


class MHSA(nn.Module):
    def __init__(self, d, h):
        super().__init__()
        self.h = h
        self.qkv = nn.Linear(d, 3 * d)
        self.o = nn.Linear(d, d)

    def forward(self, x, valid):
        B, T, D = x.shape
        q, k, v = self.qkv(x).view(B, T, 3, self.h, D // self.h).permute(2, 0, 3, 1, 4)
        keep = valid[:, None, None, :]  # True where the key is a real time step
        out = F.scaled_dot_product_attention(q, k, v, attn_mask=keep)
        return self.o(out.transpose(1, 2).reshape(B, T, D))


class Encoder(nn.Module):
    def __init__(self, d=64, h=4, depth=3, n_classes=6):
        super().__init__()
        self.inp = nn.Linear(3, d)
        self.attn = nn.ModuleList([MHSA(d, h) for _ in range(depth)])
        self.ff = nn.ModuleList([nn.Sequential(nn.LayerNorm(d), nn.Linear(d, 2 * d), nn.GELU(), nn.Linear(2 * d, d))
                                 for _ in range(depth)])
        self.norms = nn.ModuleList([nn.LayerNorm(d) for _ in range(depth)])
        self.cls = nn.Linear(d, n_classes)

    def forward(self, x, valid):
        h = self.inp(x)
        for attn, ff, norm in zip(self.attn, self.ff, self.norms):
            h = h + attn(norm(h), valid)
            h = h + ff(h)
        w = valid.unsqueeze(-1).float()
        return self.cls((h * w).sum(1) / w.sum(1))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--epochs", type=int, default=8)
    args = ap.parse_args()
    logging.basicConfig(level=logging.INFO)
    train_dl = DataLoader(Activity(3000, 0), batch_size=64, shuffle=True, collate_fn=collate)
    val_dl = DataLoader(Activity(500, 1), batch_size=128, collate_fn=collate)
    model = Encoder()
    opt = torch.optim.AdamW(model.parameters(), lr=1e-3, weight_decay=0.01)
    for epoch in range(args.epochs):
        model.train()
        tot = 0.0
        for x, valid, y in train_dl:
            loss = F.cross_entropy(model(x, valid), y)
            opt.zero_grad()
            loss.backward()
            opt.step()
            tot += loss.item()
        model.eval()
        with torch.no_grad():
            correct = sum((model(x, v).argmax(-1) == y).sum().item() for x, v, y in val_dl)
        log.info("epoch %d loss %.4f val_acc %.4f", epoch, tot / len(train_dl), correct / len(val_dl.dataset))
    torch.save(model.state_dict(), "har_sdpa.pt")


if __name__ == "__main__":
    main()
