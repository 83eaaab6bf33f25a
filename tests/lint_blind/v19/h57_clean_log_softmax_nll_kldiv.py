# expect: clean
# style: label-smoothed NMT-ish character transliteration model with a custom criterion class
# note: the model returns log_softmax outputs, which are fed to NLLLoss and to KLDivLoss against a smoothed target distribution; softmax near NLLLoss/KLDivLoss looks like TVL008 but the inputs are log-probabilities
import argparse
import logging
import math
import random

import torch
import torch.nn as nn
import torch.nn.functional as F
from torch.utils.data import DataLoader, Dataset

log = logging.getLogger("translit")
PAD, BOS, EOS = 0, 1, 2


class PairSet(Dataset):
    def __init__(self, n, vocab=60, seed=0):
        rng = random.Random(seed)
        self.pairs = []
        for _ in range(n):
            L = rng.randint(3, 14)
            src = [rng.randint(3, vocab - 1) for _ in range(L)]
            tgt = [(c * 7) % (vocab - 3) + 3 for c in src]
            self.pairs.append((src, tgt))

    def __len__(self):
        return len(self.pairs)

    def __getitem__(self, i):
        return self.pairs[i]


def collate(batch):
    S = max(len(s) for s, _ in batch)
    T = max(len(t) for _, t in batch) + 1
    src = torch.full((len(batch), S), PAD)
    tin = torch.full((len(batch), T), PAD)
    tout = torch.full((len(batch), T), PAD)
    for i, (s, t) in enumerate(batch):
        src[i, : len(s)] = torch.tensor(s)
        tin[i, : len(t) + 1] = torch.tensor([BOS] + t)
        tout[i, : len(t) + 1] = torch.tensor(t + [EOS])
    return src, tin, tout


class GRUSeq2Seq(nn.Module):
    def __init__(self, vocab=60, d=256):
        super().__init__()
        self.emb = nn.Embedding(vocab, d, padding_idx=PAD)
        self.enc = nn.GRU(d, d, batch_first=True, bidirectional=True)
        self.bridge = nn.Linear(2 * d, d)
        self.dec = nn.GRU(d, d, batch_first=True)
        self.out = nn.Linear(d, vocab)

    def forward(self, src, tin):
        _, h = self.enc(self.emb(src))
        h0 = torch.tanh(self.bridge(torch.cat([h[0], h[1]], -1)))[None]
        o, _ = self.dec(self.emb(tin), h0)
        return F.log_softmax(self.out(o), dim=-1)


class SmoothedCriterion(nn.Module):
    def __init__(self, vocab, smoothing=0.1):
        super().__init__()
        self.vocab = vocab
        self.smoothing = smoothing
        self.kl = nn.KLDivLoss(reduction="sum")
        self.nll = nn.NLLLoss(ignore_index=PAD, reduction="sum")

    def smoothed_targets(self, tgt):
        dist = torch.full((tgt.size(0), self.vocab), self.smoothing / (self.vocab - 2), device=tgt.device)
        dist.scatter_(1, tgt[:, None], 1.0 - self.smoothing)
        dist[:, PAD] = 0
        return dist

    def forward(self, logprobs, tgt):
        lp = logprobs.reshape(-1, self.vocab)
        t = tgt.reshape(-1)
        keep = t != PAD
        smooth = self.kl(lp[keep], self.smoothed_targets(t[keep])) / keep.sum()
        nll = self.nll(lp, t) / keep.sum()
        return smooth, nll


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--epochs", type=int, default=15)
    ap.add_argument("--lr", type=float, default=1e-3)
    ap.add_argument("--smoothing", type=float, default=0.1)
    args = ap.parse_args()
    logging.basicConfig(level=logging.INFO)
    torch.manual_seed(0)
    device = torch.device("cuda" if torch.cuda.is_available() else "cpu")

    train_dl = DataLoader(PairSet(30000), batch_size=64, shuffle=True, collate_fn=collate)
    dev_dl = DataLoader(PairSet(2000, seed=1), batch_size=256, collate_fn=collate)
    model = GRUSeq2Seq().to(device)
    crit = SmoothedCriterion(60, args.smoothing)
    opt = torch.optim.Adam(model.parameters(), lr=args.lr)

    for epoch in range(args.epochs):
        model.train()
        tot_s = tot_n = 0.0
        for src, tin, tout in train_dl:
            src, tin, tout = src.to(device), tin.to(device), tout.to(device)
            smooth, nll = crit(model(src, tin), tout)
            opt.zero_grad()
            smooth.backward()
            nn.utils.clip_grad_norm_(model.parameters(), 1.0)
            opt.step()
            tot_s += smooth.item()
            tot_n += nll.item()
        model.eval()
        dev_nll, tok_acc, n = 0.0, 0.0, 0
        with torch.no_grad():
            for src, tin, tout in dev_dl:
                src, tin, tout = src.to(device), tin.to(device), tout.to(device)
                lp = model(src, tin)
                _, nll = crit(lp, tout)
                mask = tout != PAD
                tok_acc += ((lp.argmax(-1) == tout) & mask).sum().item() / mask.sum().item()
                dev_nll += nll.item()
                n += 1
        log.info("epoch %d train smooth %.4f nll %.4f | dev nll %.4f ppl %.2f tok-acc %.4f", epoch,
                 tot_s / len(train_dl), tot_n / len(train_dl), dev_nll / n, math.exp(dev_nll / n), tok_acc / n)
    torch.save(model.state_dict(), "translit_gru.pt")


if __name__ == "__main__":
    main()
