# expect: TVL004
# style: speech recognition (CTC) research script with train_one_epoch/evaluate helpers
# bug: evaluate() puts the model in eval mode and train_one_epoch() never calls model.train(), so after the first validation the conv BatchNorm/dropout stay in eval mode for the rest of training
import argparse
import logging
import random

import torch
import torch.nn as nn
import torch.nn.functional as F
from torch.utils.data import DataLoader, Dataset

LOG = logging.getLogger("asr")
BLANK = 0
N_TOKENS = 30


class FakeSpeech(Dataset):
    def __init__(self, n, seed):
        self.rng = random.Random(seed)
        self.items = []
        for _ in range(n):
            L = self.rng.randint(5, 15)
            tokens = [self.rng.randint(1, N_TOKENS - 1) for _ in range(L)]
            frames = L * 8 + self.rng.randint(0, 10)
            feats = torch.randn(frames, 80)
            for k, t in enumerate(tokens):
                feats[k * 8 : k * 8 + 8, t] += 2.0
            self.items.append((feats, torch.tensor(tokens)))

    def __len__(self):
        return len(self.items)

    def __getitem__(self, i):
        return self.items[i]


def collate(batch):
    feats, toks = zip(*batch)
    flen = torch.tensor([f.size(0) for f in feats])
    tlen = torch.tensor([t.size(0) for t in toks])
    feats = nn.utils.rnn.pad_sequence(feats, batch_first=True)
    toks = nn.utils.rnn.pad_sequence(toks, batch_first=True)
    return feats, flen, toks, tlen


class ConvBiGRU(nn.Module):
    def __init__(self, n_mels=80, hidden=192, n_tokens=N_TOKENS):
        super().__init__()
        self.conv = nn.Sequential(
            nn.Conv1d(n_mels, hidden, 5, stride=2, padding=2), nn.BatchNorm1d(hidden), nn.GELU(),
            nn.Conv1d(hidden, hidden, 3, padding=1), nn.BatchNorm1d(hidden), nn.GELU(), nn.Dropout(0.2),
        )
        self.rnn = nn.GRU(hidden, hidden, num_layers=2, batch_first=True, bidirectional=True, dropout=0.2)
        self.out = nn.Linear(2 * hidden, n_tokens)

    def forward(self, feats, flen):
        x = self.conv(feats.transpose(1, 2)).transpose(1, 2)
        out_len = (flen + 1) // 2
        x, _ = self.rnn(x)
        return F.log_softmax(self.out(x), dim=-1), out_len


def greedy_decode(log_probs, lens):
    hyps = []
    for lp, L in zip(log_probs.argmax(-1), lens):
        prev, seq = BLANK, []
        for t in lp[:L].tolist():
            if t != prev and t != BLANK:
                seq.append(t)
            prev = t
        hyps.append(seq)
    return hyps


def edit_distance(a, b):
    d = list(range(len(b) + 1))
    for i in range(1, len(a) + 1):
        prev, d[0] = d[0], i
        for j in range(1, len(b) + 1):
            cur = d[j]
            d[j] = min(d[j] + 1, d[j - 1] + 1, prev + (a[i - 1] != b[j - 1]))
            prev = cur
    return d[len(b)]


def train_one_epoch(model, loader, optimizer, ctc, device, epoch):
    total = 0.0
    for step, (feats, flen, toks, tlen) in enumerate(loader):
        feats, toks = feats.to(device), toks.to(device)
        log_probs, out_len = model(feats, flen.to(device))
        loss = ctc(log_probs.transpose(0, 1), toks, out_len, tlen.to(device))
        optimizer.zero_grad()
        loss.backward()
        nn.utils.clip_grad_norm_(model.parameters(), 5.0)
        optimizer.step()
        total += loss.item()
        if step % 25 == 0:
            LOG.info("epoch %d step %d ctc %.3f", epoch, step, loss.item())
    return total / len(loader)


def evaluate(model, loader, device):
    model.eval()
    errs, words = 0, 0
    with torch.no_grad():
        for feats, flen, toks, tlen in loader:
            lp, out_len = model(feats.to(device), flen.to(device))
            for hyp, ref, L in zip(greedy_decode(lp.cpu(), out_len.cpu()), toks, tlen):
                errs += edit_distance(hyp, ref[:L].tolist())
                words += int(L)
    return errs / max(words, 1)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--epochs", type=int, default=10)
    ap.add_argument("--lr", type=float, default=1e-3)
    args = ap.parse_args()
    logging.basicConfig(level=logging.INFO)
    device = "cuda" if torch.cuda.is_available() else "cpu"
    train_dl = DataLoader(FakeSpeech(1500, 0), batch_size=16, shuffle=True, collate_fn=collate)
    dev_dl = DataLoader(FakeSpeech(200, 1), batch_size=32, collate_fn=collate)
    model = ConvBiGRU().to(device)
    model.train()
    opt = torch.optim.AdamW(model.parameters(), lr=args.lr, weight_decay=1e-2)
    sched = torch.optim.lr_scheduler.ExponentialLR(opt, gamma=0.9)
    ctc = nn.CTCLoss(blank=BLANK, zero_infinity=True)
    best = 1.0
    for epoch in range(args.epochs):
        tr = train_one_epoch(model, train_dl, opt, ctc, device, epoch)
        cer = evaluate(model, dev_dl, device)
        sched.step()
        LOG.info("epoch %d train_ctc %.3f dev_cer %.3f", epoch, tr, cer)
        if cer < best:
            best = cer
            torch.save(model.state_dict(), "asr_best.pt")


if __name__ == "__main__":
    main()
