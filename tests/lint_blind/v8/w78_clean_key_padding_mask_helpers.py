# expect: clean
# style: ESPnet-like utility function make_pad_mask + nn.TransformerEncoder / MultiheadAttention, sign-language keypoint sequence classification
# note: the padding mask is produced by a helper far from its use (looks like it might be inverted), but make_pad_mask returns True on padded frames (arange >= length), which is the key_padding_mask convention (True = ignore)
import argparse

import torch
import torch.nn as nn
import torch.nn.functional as F
from torch.utils.data import DataLoader, Dataset


def make_pad_mask(lengths, max_len=None):
    """Return a bool mask that is True at padded positions, ESPnet style."""
    max_len = max_len or int(lengths.max())
    seq = torch.arange(max_len, device=lengths.device)
    return seq[None, :] >= lengths[:, None]


class SignClips(Dataset):
    def __init__(self, n, n_glosses=100, seed=0):
        g = torch.Generator().manual_seed(seed)
        self.lens = torch.randint(20, 150, (n,), generator=g)
        self.y = torch.randint(0, n_glosses, (n,), generator=g)

    def __len__(self):
        return len(self.y)

    def __getitem__(self, i):
        T = int(self.lens[i])
        return torch.randn(T, 75 * 2) + 0.01 * self.y[i], self.y[i]


def collate(batch):
    x, y = zip(*batch)
    lengths = torch.tensor([t.size(0) for t in x])
    return nn.utils.rnn.pad_sequence(x, batch_first=True), lengths, torch.stack(y)


class AttentionPool(nn.Module):
    def __init__(self, d, heads=4):
        super().__init__()
        self.query = nn.Parameter(torch.randn(1, 1, d) * 0.02)
        self.mha = nn.MultiheadAttention(d, heads, batch_first=True)

    def forward(self, x, pad_mask):
        q = self.query.expand(x.size(0), -1, -1)
        out, _ = self.mha(q, x, x, key_padding_mask=pad_mask)
        return out.squeeze(1)


class SignTransformer(nn.Module):
    def __init__(self, in_dim=150, d=192, layers=4, heads=4, n_glosses=100, max_len=256):
        super().__init__()
        self.inp = nn.Sequential(nn.Linear(in_dim, d), nn.LayerNorm(d))
        self.pos = nn.Parameter(torch.zeros(1, max_len, d))
        enc = nn.TransformerEncoderLayer(d, heads, 4 * d, 0.1, batch_first=True)
        self.encoder = nn.TransformerEncoder(enc, layers)
        self.pool = AttentionPool(d, heads)
        self.cls = nn.Linear(d, n_glosses)

    def forward(self, x, lengths):
        pad_mask = make_pad_mask(lengths.to(x.device), x.size(1))
        h = self.inp(x) + self.pos[:, : x.size(1)]
        h = self.encoder(h, src_key_padding_mask=pad_mask)
        return self.cls(self.pool(h, pad_mask))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--epochs", type=int, default=40)
    ap.add_argument("--lr", type=float, default=1e-3)
    args = ap.parse_args()
    device = "cuda" if torch.cuda.is_available() else "cpu"
    train_loader = DataLoader(SignClips(5000), batch_size=32, shuffle=True, collate_fn=collate)
    val_loader = DataLoader(SignClips(600, seed=1), batch_size=64, collate_fn=collate)
    model = SignTransformer().to(device)
    opt = torch.optim.AdamW(model.parameters(), lr=args.lr, weight_decay=0.05)
    sched = torch.optim.lr_scheduler.CosineAnnealingLR(opt, T_max=args.epochs)
    for epoch in range(args.epochs):
        model.train()
        tot = 0.0
        for x, lengths, y in train_loader:
            x, y = x.to(device), y.to(device)
            opt.zero_grad()
            loss = F.cross_entropy(model(x, lengths), y, label_smoothing=0.1)
            loss.backward()
            nn.utils.clip_grad_norm_(model.parameters(), 1.0)
            opt.step()
            tot += loss.item()
        sched.step()
        model.eval()
        top1 = top5 = n = 0
        with torch.no_grad():
            for x, lengths, y in val_loader:
                logits = model(x.to(device), lengths).cpu()
                top1 += (logits.argmax(-1) == y).sum().item()
                top5 += (logits.topk(5, -1).indices == y[:, None]).any(-1).sum().item()
                n += y.numel()
        print(f"epoch {epoch} loss {tot / len(train_loader):.3f} top1 {top1 / n:.3f} top5 {top5 / n:.3f}")
    torch.save(model.state_dict(), "sign_transformer.pt")


if __name__ == "__main__":
    main()
