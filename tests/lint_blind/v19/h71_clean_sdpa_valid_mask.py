# expect: clean
# style: set-transformer style point-set / molecule-atom encoder with F.scaled_dot_product_attention and a padding helper
# note: a boolean mask is passed to scaled_dot_product_attention (TVL010 look-alike); `valid_mask` is True on real elements, which is SDPA's "may attend" convention, and padded queries are zeroed afterwards
import argparse
import logging
import math

import torch
import torch.nn as nn
import torch.nn.functional as F
from torch.utils.data import DataLoader, Dataset

log = logging.getLogger("settx")


def valid_mask_from_lengths(lengths, max_len):
    """(B, N) bool, True where an element exists."""
    return torch.arange(max_len, device=lengths.device)[None] < lengths[:, None]


class AtomSets(Dataset):
    def __init__(self, n, max_atoms=40, d=16, seed=0):
        g = torch.Generator().manual_seed(seed)
        self.items = []
        for _ in range(n):
            k = int(torch.randint(5, max_atoms, (1,), generator=g))
            x = torch.randn(k, d, generator=g)
            y = x[:, 0].sum() / math.sqrt(k)
            self.items.append((x, y))
        self.max_atoms = max_atoms

    def __len__(self):
        return len(self.items)

    def __getitem__(self, i):
        return self.items[i]


def collate(batch, max_atoms=40):
    d = batch[0][0].size(1)
    x = torch.zeros(len(batch), max_atoms, d)
    lengths = torch.tensor([b[0].size(0) for b in batch])
    for i, (xi, _) in enumerate(batch):
        x[i, : xi.size(0)] = xi
    return x, lengths, torch.stack([b[1] for b in batch])


class MAB(nn.Module):
    def __init__(self, d, heads):
        super().__init__()
        self.h = heads
        self.qkv = nn.Linear(d, 3 * d)
        self.o = nn.Linear(d, d)
        self.ln1, self.ln2 = nn.LayerNorm(d), nn.LayerNorm(d)
        self.ff = nn.Sequential(nn.Linear(d, 2 * d), nn.GELU(), nn.Linear(2 * d, d))

    def forward(self, x, valid):
        B, N, D = x.shape
        q, k, v = self.qkv(self.ln1(x)).chunk(3, -1)
        q, k, v = (t.view(B, N, self.h, D // self.h).transpose(1, 2) for t in (q, k, v))
        attn_mask = valid[:, None, None, :]  # True = this key may be attended
        y = F.scaled_dot_product_attention(q, k, v, attn_mask=attn_mask)
        x = x + self.o(y.transpose(1, 2).reshape(B, N, D))
        x = x + self.ff(self.ln2(x))
        return x * valid[..., None]


class SetRegressor(nn.Module):
    def __init__(self, d_in=16, d=128, heads=4, layers=3):
        super().__init__()
        self.inp = nn.Linear(d_in, d)
        self.layers = nn.ModuleList([MAB(d, heads) for _ in range(layers)])
        self.out = nn.Sequential(nn.Linear(d, d), nn.ReLU(), nn.Linear(d, 1))

    def forward(self, x, lengths):
        valid = valid_mask_from_lengths(lengths, x.size(1))
        h = self.inp(x) * valid[..., None]
        for layer in self.layers:
            h = layer(h, valid)
        pooled = h.sum(1) / lengths[:, None].float()
        return self.out(pooled).squeeze(-1)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--epochs", type=int, default=30)
    ap.add_argument("--lr", type=float, default=5e-4)
    args = ap.parse_args()
    logging.basicConfig(level=logging.INFO)
    torch.manual_seed(0)
    device = torch.device("cuda" if torch.cuda.is_available() else "cpu")
    train_dl = DataLoader(AtomSets(20000), batch_size=64, shuffle=True, collate_fn=collate)
    val_dl = DataLoader(AtomSets(2000, seed=1), batch_size=256, collate_fn=collate)
    model = SetRegressor().to(device)
    opt = torch.optim.AdamW(model.parameters(), lr=args.lr, weight_decay=1e-4)
    sched = torch.optim.lr_scheduler.CosineAnnealingLR(opt, T_max=args.epochs)
    for epoch in range(args.epochs):
        model.train()
        tot = 0.0
        for x, lengths, y in train_dl:
            x, lengths, y = x.to(device), lengths.to(device), y.to(device)
            loss = F.mse_loss(model(x, lengths), y)
            opt.zero_grad()
            loss.backward()
            opt.step()
            tot += loss.item()
        sched.step()
        model.eval()
        err = n = 0
        with torch.no_grad():
            for x, lengths, y in val_dl:
                err += (model(x.to(device), lengths.to(device)).cpu() - y).abs().sum().item()
                n += y.numel()
        log.info("epoch %d mse %.4f val mae %.4f", epoch, tot / len(train_dl), err / n)
    torch.save(model.state_dict(), "set_regressor.pt")


if __name__ == "__main__":
    main()
