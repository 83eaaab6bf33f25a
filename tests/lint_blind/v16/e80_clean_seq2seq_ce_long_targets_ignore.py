# expect: clean
# style: fairseq-like translation criterion class with label smoothing and padding ignore, GRU encoder-decoder
# note: targets are cast with .long() in the collater and cross_entropy receives (N, V) logits with 1-D integer targets and ignore_index=pad; no float class indices or broadcasting shapes
import argparse
import logging

import torch
import torch.nn as nn
import torch.nn.functional as F
from torch.utils.data import DataLoader, Dataset

log = logging.getLogger("nmt")
PAD, BOS, EOS = 0, 1, 2


class ParallelToy(Dataset):
    def __init__(self, n, vocab=4000, seed=0):
        g = torch.Generator().manual_seed(seed)
        self.pairs = []
        for _ in range(n):
            L = int(torch.randint(4, 25, (1,), generator=g))
            src = torch.randint(3, vocab, (L,), generator=g)
            self.pairs.append((src, src.flip(0)))

    def __len__(self):
        return len(self.pairs)

    def __getitem__(self, i):
        return self.pairs[i]


def collater(batch):
    src, tgt = zip(*batch)
    tgt_in = [torch.cat([torch.tensor([BOS]), t]) for t in tgt]
    tgt_out = [torch.cat([t, torch.tensor([EOS])]) for t in tgt]
    pad = lambda s: nn.utils.rnn.pad_sequence(s, batch_first=True, padding_value=PAD).long()
    return pad(src), pad(tgt_in), pad(tgt_out)


class LabelSmoothedCE:
    def __init__(self, eps=0.1, pad=PAD):
        self.eps, self.pad = eps, pad

    def __call__(self, logits, target):
        logits = logits.reshape(-1, logits.size(-1))
        target = target.reshape(-1)
        loss = F.cross_entropy(logits, target, ignore_index=self.pad, label_smoothing=self.eps)
        n_tok = target.ne(self.pad).sum()
        return loss, n_tok.item()


class Seq2Seq(nn.Module):
    def __init__(self, vocab=4000, d=256):
        super().__init__()
        self.emb = nn.Embedding(vocab, d, padding_idx=PAD)
        self.enc = nn.GRU(d, d, batch_first=True)
        self.dec = nn.GRU(d, d, batch_first=True)
        self.out = nn.Linear(d, vocab)

    def forward(self, src, tgt_in):
        _, h = self.enc(self.emb(src))
        o, _ = self.dec(self.emb(tgt_in), h)
        return self.out(o)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--epochs", type=int, default=10)
    ap.add_argument("--lr", type=float, default=1e-3)
    ap.add_argument("--label-smoothing", type=float, default=0.1)
    args = ap.parse_args()
    logging.basicConfig(level=logging.INFO)
    train_loader = DataLoader(ParallelToy(20000), batch_size=64, shuffle=True, collate_fn=collater)
    valid_loader = DataLoader(ParallelToy(1000, seed=1), batch_size=128, collate_fn=collater)
    model = Seq2Seq()
    criterion = LabelSmoothedCE(args.label_smoothing)
    opt = torch.optim.Adam(model.parameters(), lr=args.lr, betas=(0.9, 0.98))
    for epoch in range(args.epochs):
        model.train()
        toks = tot = 0.0
        for src, tgt_in, tgt_out in train_loader:
            loss, n = criterion(model(src, tgt_in), tgt_out)
            opt.zero_grad()
            loss.backward()
            nn.utils.clip_grad_norm_(model.parameters(), 1.0)
            opt.step()
            tot += loss.item() * n
            toks += n
        model.eval()
        with torch.no_grad():
            vl = sum(criterion(model(s, ti), to)[0].item() for s, ti, to in valid_loader) / len(valid_loader)
        log.info("epoch %d train nll/tok %.4f valid %.4f", epoch, tot / toks, vl)
    torch.save(model.state_dict(), "gru_nmt.pt")


if __name__ == "__main__":
    main()
