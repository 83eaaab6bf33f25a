# expect: TVL015
# style: NLP summarisation-ish seq2seq (transformer), make_loaders() helper that sorts by length "for efficient padding"
# bug: make_loaders() sorts the training set by source length and returns DataLoader(train_ds, ..., shuffle=False) with no sampler, so every epoch trains on the same length-ordered batch sequence (short-to-long curriculum every epoch)
import argparse
import logging
import math
import random

import torch
import torch.nn as nn
import torch.nn.functional as F
from torch.utils.data import DataLoader, Dataset

logger = logging.getLogger("s2s")
PAD, BOS, EOS = 0, 1, 2


class PairSet(Dataset):
    def __init__(self, pairs):
        self.pairs = pairs

    def __len__(self):
        return len(self.pairs)

    def __getitem__(self, i):
        return self.pairs[i]


def synth_pairs(n, vocab, seed):
    rnd = random.Random(seed)
    out = []
    for _ in range(n):
        L = rnd.randint(8, 60)
        src = [rnd.randint(3, vocab - 1) for _ in range(L)]
        tgt = sorted(set(src))[:12]
        out.append((src, tgt))
    return out


def collate(batch):
    S = max(len(s) for s, _ in batch)
    T = max(len(t) for _, t in batch) + 1
    src = torch.full((len(batch), S), PAD)
    dec_in = torch.full((len(batch), T), PAD)
    dec_out = torch.full((len(batch), T), PAD)
    for k, (s, t) in enumerate(batch):
        src[k, : len(s)] = torch.tensor(s)
        dec_in[k, : len(t) + 1] = torch.tensor([BOS] + t)
        dec_out[k, : len(t) + 1] = torch.tensor(t + [EOS])
    return src, dec_in, dec_out


def make_loaders(vocab, batch_size):
    train_pairs = sorted(synth_pairs(30000, vocab, 0), key=lambda p: len(p[0]))
    val_pairs = synth_pairs(1000, vocab, 1)
    train_dl = DataLoader(PairSet(train_pairs), batch_size=batch_size, shuffle=False, collate_fn=collate,
                          num_workers=2, pin_memory=True)
    val_dl = DataLoader(PairSet(val_pairs), batch_size=128, shuffle=False, collate_fn=collate)
    return train_dl, val_dl


class Seq2SeqTransformer(nn.Module):
    def __init__(self, vocab, d=256, heads=4, layers=3):
        super().__init__()
        self.emb = nn.Embedding(vocab, d, padding_idx=PAD)
        self.pos = nn.Embedding(256, d)
        self.tf = nn.Transformer(d, heads, layers, layers, 4 * d, 0.1, batch_first=True)
        self.out = nn.Linear(d, vocab)

    def embed(self, x):
        return self.emb(x) * math.sqrt(self.emb.embedding_dim) + self.pos(torch.arange(x.size(1), device=x.device))

    def forward(self, src, tgt):
        causal = self.tf.generate_square_subsequent_mask(tgt.size(1), device=src.device)
        h = self.tf(self.embed(src), self.embed(tgt), tgt_mask=causal,
                    src_key_padding_mask=src.eq(PAD), tgt_key_padding_mask=tgt.eq(PAD),
                    memory_key_padding_mask=src.eq(PAD))
        return self.out(h)


def evaluate(model, loader):
    model.eval()
    tot, n = 0.0, 0
    with torch.no_grad():
        for src, dec_in, dec_out in loader:
            logits = model(src, dec_in)
            tot += F.cross_entropy(logits.transpose(1, 2), dec_out, ignore_index=PAD, reduction="sum").item()
            n += dec_out.ne(PAD).sum().item()
    return tot / n


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--vocab", type=int, default=500)
    ap.add_argument("--bs", type=int, default=64)
    ap.add_argument("--epochs", type=int, default=10)
    ap.add_argument("--lr", type=float, default=5e-4)
    args = ap.parse_args()
    logging.basicConfig(level=logging.INFO)
    torch.manual_seed(0)
    train_dl, val_dl = make_loaders(args.vocab, args.bs)
    model = Seq2SeqTransformer(args.vocab)
    opt = torch.optim.Adam(model.parameters(), lr=args.lr, betas=(0.9, 0.98))
    warmup = 1000
    sched = torch.optim.lr_scheduler.LambdaLR(opt, lambda s: min((s + 1) / warmup, (warmup / (s + 1)) ** 0.5))
    for epoch in range(args.epochs):
        model.train()
        for i, (src, dec_in, dec_out) in enumerate(train_dl):
            logits = model(src, dec_in)
            loss = F.cross_entropy(logits.transpose(1, 2), dec_out, ignore_index=PAD, label_smoothing=0.1)
            opt.zero_grad()
            loss.backward()
            nn.utils.clip_grad_norm_(model.parameters(), 1.0)
            opt.step()
            sched.step()
            if i % 100 == 0:
                logger.info("ep %d it %d loss %.4f lr %.2e", epoch, i, loss.item(), sched.get_last_lr()[0])
        val_nll = evaluate(model, val_dl)
        logger.info("epoch %d val nll %.4f ppl %.2f", epoch, val_nll, math.exp(val_nll))
    torch.save(model.state_dict(), "s2s_transformer.pt")


if __name__ == "__main__":
    main()
