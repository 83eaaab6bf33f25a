# expect: TVL012
# style: fairseq/timm-like AverageMeter utility, seq2seq (GRU encoder-decoder) for date normalisation
# bug: the training loop calls loss_meter.update(loss, n) with the loss tensor, and AverageMeter.update does self.sum += val * n, accumulating graph-carrying tensors across the whole epoch
import argparse
import logging
import random

import torch
import torch.nn as nn
import torch.nn.functional as F
from torch.utils.data import DataLoader, Dataset

log = logging.getLogger("seq2seq")
CHARS = "0123456789-/ abcdefghijklmnopqrstuvwxyz"
PAD, BOS, EOS = 0, 1, 2
stoi = {c: i + 3 for i, c in enumerate(CHARS)}
MONTHS = ["jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"]


class AverageMeter:
    def __init__(self, name):
        self.name = name
        self.reset()

    def reset(self):
        self.val = 0
        self.sum = 0
        self.count = 0
        self.avg = 0

    def update(self, val, n=1):
        self.val = val
        self.sum += val * n
        self.count += n
        self.avg = self.sum / self.count

    def __str__(self):
        return f"{self.name} {float(self.avg):.4f}"


def encode(s, L):
    ids = [BOS] + [stoi[c] for c in s] + [EOS]
    return torch.tensor(ids + [PAD] * (L - len(ids)))


class Dates(Dataset):
    def __init__(self, n, seed):
        rnd = random.Random(seed)
        self.pairs = []
        for _ in range(n):
            y, m, d = rnd.randint(1950, 2030), rnd.randint(1, 12), rnd.randint(1, 28)
            src = f"{d} {MONTHS[m - 1]} {y}"
            tgt = f"{y:04d}-{m:02d}-{d:02d}"
            self.pairs.append((encode(src, 20), encode(tgt, 14)))

    def __len__(self):
        return len(self.pairs)

    def __getitem__(self, i):
        return self.pairs[i]


class Seq2Seq(nn.Module):
    def __init__(self, vocab=len(CHARS) + 3, dim=128):
        super().__init__()
        self.emb = nn.Embedding(vocab, dim, padding_idx=PAD)
        self.enc = nn.GRU(dim, dim, batch_first=True)
        self.dec = nn.GRU(dim, dim, batch_first=True)
        self.out = nn.Linear(dim, vocab)

    def forward(self, src, tgt_in):
        _, h = self.enc(self.emb(src))
        o, _ = self.dec(self.emb(tgt_in), h)
        return self.out(o)


def train_epoch(model, loader, opt, device):
    model.train()
    loss_meter = AverageMeter("loss")
    for src, tgt in loader:
        src, tgt = src.to(device), tgt.to(device)
        logits = model(src, tgt[:, :-1])
        loss = F.cross_entropy(logits.reshape(-1, logits.size(-1)), tgt[:, 1:].reshape(-1), ignore_index=PAD)
        opt.zero_grad()
        loss.backward()
        nn.utils.clip_grad_norm_(model.parameters(), 1.0)
        opt.step()
        loss_meter.update(loss, src.size(0))
    return loss_meter


@torch.no_grad()
def exact_match(model, loader, device):
    model.eval()
    ok, n = 0, 0
    for src, tgt in loader:
        src, tgt = src.to(device), tgt.to(device)
        pred = model(src, tgt[:, :-1]).argmax(-1)
        ok += (pred == tgt[:, 1:]).all(-1).sum().item()
        n += src.size(0)
    return ok / n


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--epochs", type=int, default=10)
    ap.add_argument("--lr", type=float, default=2e-3)
    args = ap.parse_args()
    logging.basicConfig(level=logging.INFO)
    dev = torch.device("cuda" if torch.cuda.is_available() else "cpu")
    model = Seq2Seq().to(dev)
    opt = torch.optim.Adam(model.parameters(), lr=args.lr)
    tr = DataLoader(Dates(20000, 0), batch_size=128, shuffle=True)
    va = DataLoader(Dates(2000, 1), batch_size=256)
    for ep in range(args.epochs):
        meter = train_epoch(model, tr, opt, dev)
        log.info("epoch %d %s exact-match(tf) %.3f", ep, meter, exact_match(model, va, dev))


if __name__ == "__main__":
    main()
