# expect: clean
# style: research repo with evaluate() helper, GRU seq2seq for date-format translation
# note: evaluate() calls model.eval() inside the epoch loop, which looks like TVL004, but it records model.training first and restores it with model.train(was_training) before returning.
import argparse
import logging
import random

import torch
import torch.nn as nn
import torch.nn.functional as F
from torch.utils.data import DataLoader, Dataset

log = logging.getLogger("seq2seq")
SRC_V, TGT_V, PAD, BOS, EOS = 60, 14, 0, 1, 2


class DatePairs(Dataset):
    def __init__(self, n, seed):
        r = random.Random(seed)
        self.pairs = []
        for _ in range(n):
            src = [r.randint(3, SRC_V - 1) for _ in range(r.randint(8, 20))]
            tgt = [BOS] + [3 + (s % (TGT_V - 3)) for s in src[:10]] + [EOS]
            self.pairs.append((torch.tensor(src), torch.tensor(tgt)))

    def __len__(self):
        return len(self.pairs)

    def __getitem__(self, i):
        return self.pairs[i]


def collate(batch):
    src, tgt = zip(*batch)
    return (nn.utils.rnn.pad_sequence(src, batch_first=True, padding_value=PAD),
            nn.utils.rnn.pad_sequence(tgt, batch_first=True, padding_value=PAD))


class Seq2Seq(nn.Module):
    def __init__(self, d=128):
        super().__init__()
        self.src_emb = nn.Embedding(SRC_V, d, padding_idx=PAD)
        self.tgt_emb = nn.Embedding(TGT_V, d, padding_idx=PAD)
        self.enc = nn.GRU(d, d, batch_first=True)
        self.dec = nn.GRU(d, d, batch_first=True)
        self.drop = nn.Dropout(0.2)
        self.out = nn.Linear(d, TGT_V)

    def forward(self, src, tgt_in):
        _, h = self.enc(self.drop(self.src_emb(src)))
        o, _ = self.dec(self.drop(self.tgt_emb(tgt_in)), h)
        return self.out(o)


@torch.no_grad()
def evaluate(model, loader):
    was_training = model.training
    model.eval()
    correct = total = 0
    for src, tgt in loader:
        logits = model(src, tgt[:, :-1])
        mask = tgt[:, 1:] != PAD
        correct += ((logits.argmax(-1) == tgt[:, 1:]) & mask).sum().item()
        total += mask.sum().item()
    model.train(was_training)
    return correct / total


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--epochs", type=int, default=15)
    ap.add_argument("--lr", type=float, default=1e-3)
    args = ap.parse_args()
    logging.basicConfig(level=logging.INFO)
    train_dl = DataLoader(DatePairs(8000, 0), batch_size=64, shuffle=True, collate_fn=collate)
    val_dl = DataLoader(DatePairs(1000, 1), batch_size=256, collate_fn=collate)
    model = Seq2Seq()
    opt = torch.optim.Adam(model.parameters(), lr=args.lr)
    model.train()
    for epoch in range(args.epochs):
        tot = 0.0
        for src, tgt in train_dl:
            logits = model(src, tgt[:, :-1])
            loss = F.cross_entropy(logits.reshape(-1, TGT_V), tgt[:, 1:].reshape(-1), ignore_index=PAD)
            opt.zero_grad()
            loss.backward()
            nn.utils.clip_grad_norm_(model.parameters(), 1.0)
            opt.step()
            tot += loss.item()
        acc = evaluate(model, val_dl)
        log.info("epoch %d loss %.4f token acc %.4f", epoch, tot / len(train_dl), acc)


if __name__ == "__main__":
    main()
