# expect: TVL010
# style: speech-emotion recognition with an attention-pooling module; mask helper in a utils section
# bug: `lengths_to_mask` returns True for valid frames (as documented), and AttentivePooling passes it as nn.MultiheadAttention's key_padding_mask, where True means "ignore this key"
import argparse
import logging
import os
import random

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F
from torch.nn.utils.rnn import pad_sequence
from torch.utils.data import DataLoader, Dataset

log = logging.getLogger("ser")
EMOTIONS = ["neutral", "happy", "sad", "angry"]
MAX_FRAMES = 720


# ---------------- utils ----------------
def lengths_to_mask(lengths, max_len=None):
    """Return a (B, T) bool mask that is True on valid (non-padded) frames."""
    max_len = max_len or int(lengths.max())
    rng = torch.arange(max_len, device=lengths.device)[None, :]
    return rng < lengths[:, None]


def set_seed(s):
    random.seed(s)
    np.random.seed(s)
    torch.manual_seed(s)


# ---------------- data ----------------
class FbankDataset(Dataset):
    def __init__(self, n, n_mels=80, seed=0):
        rng = np.random.default_rng(seed)
        self.items = []
        for _ in range(n):
            T = int(rng.integers(150, 700))
            y = int(rng.integers(0, len(EMOTIONS)))
            feats = rng.normal(loc=0.2 * y, size=(T, n_mels)).astype(np.float32)
            self.items.append((feats, y))

    def __len__(self):
        return len(self.items)

    def __getitem__(self, i):
        f, y = self.items[i]
        return torch.from_numpy(f), y


def collate(batch):
    feats = [b[0] for b in batch]
    lengths = torch.tensor([f.size(0) for f in feats])
    padded = pad_sequence(feats, batch_first=True)
    # pad to a fixed bucket so every batch has the same time dimension
    padded = F.pad(padded, (0, 0, 0, MAX_FRAMES - padded.size(1)))
    return padded, lengths, torch.tensor([b[1] for b in batch])


# ---------------- model ----------------
class AttentivePooling(nn.Module):
    def __init__(self, d, heads=4):
        super().__init__()
        self.query = nn.Parameter(torch.randn(1, 1, d) * 0.02)
        self.attn = nn.MultiheadAttention(d, heads, batch_first=True)

    def forward(self, h, valid_mask):
        q = self.query.expand(h.size(0), -1, -1)
        pooled, _ = self.attn(q, h, h, key_padding_mask=valid_mask)
        return pooled.squeeze(1)


class SERModel(nn.Module):
    def __init__(self, n_mels=80, d=256, n_cls=4):
        super().__init__()
        self.frontend = nn.Sequential(
            nn.Conv1d(n_mels, d, 5, padding=2), nn.BatchNorm1d(d), nn.ReLU(),
            nn.Conv1d(d, d, 5, padding=2), nn.BatchNorm1d(d), nn.ReLU(),
        )
        self.rnn = nn.GRU(d, d // 2, batch_first=True, bidirectional=True)
        self.pool = AttentivePooling(d)
        self.out = nn.Linear(d, n_cls)

    def forward(self, feats, lengths):
        h = self.frontend(feats.transpose(1, 2)).transpose(1, 2)
        h, _ = self.rnn(h)
        mask = lengths_to_mask(lengths, h.size(1))
        return self.out(self.pool(h, mask))


# ---------------- train ----------------
def unweighted_acc(pred, y, k):
    return float(np.mean([(pred[y == c] == c).mean() for c in range(k) if (y == c).any()]))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--epochs", type=int, default=25)
    ap.add_argument("--lr", type=float, default=1e-3)
    ap.add_argument("--bs", type=int, default=32)
    ap.add_argument("--exp", default="exp/ser_attnpool")
    args = ap.parse_args()
    logging.basicConfig(level=logging.INFO)
    set_seed(3)
    device = torch.device("cuda" if torch.cuda.is_available() else "cpu")

    train_dl = DataLoader(FbankDataset(3000), batch_size=args.bs, shuffle=True, collate_fn=collate, num_workers=2)
    dev_dl = DataLoader(FbankDataset(400, seed=1), batch_size=64, collate_fn=collate)
    model = SERModel().to(device)
    opt = torch.optim.Adam(model.parameters(), lr=args.lr)
    os.makedirs(args.exp, exist_ok=True)
    best = 0.0
    for epoch in range(args.epochs):
        model.train()
        tot = 0.0
        for feats, lengths, y in train_dl:
            feats, lengths, y = feats.to(device), lengths.to(device), y.to(device)
            loss = F.cross_entropy(model(feats, lengths), y)
            opt.zero_grad()
            loss.backward()
            nn.utils.clip_grad_norm_(model.parameters(), 5.0)
            opt.step()
            tot += loss.item()
        model.eval()
        preds, ys = [], []
        with torch.no_grad():
            for feats, lengths, y in dev_dl:
                preds.append(model(feats.to(device), lengths.to(device)).argmax(1).cpu().numpy())
                ys.append(y.numpy())
        ua = unweighted_acc(np.concatenate(preds), np.concatenate(ys), len(EMOTIONS))
        log.info("epoch %d loss %.4f dev UA %.4f", epoch, tot / len(train_dl), ua)
        if ua > best:
            best = ua
            torch.save(model.state_dict(), os.path.join(args.exp, "best.pt"))


if __name__ == "__main__":
    main()
