# expect: clean
# style: speech recognition (CTC) with a length-bucketing batch_sampler, ESPnet-like
# note: the training DataLoader has no shuffle flag, which looks like TVL015, but it uses a custom batch_sampler that shuffles the buckets and the order of batches every epoch.
import argparse
import logging
import random

import torch
import torch.nn as nn
import torch.nn.functional as F
from torch.utils.data import DataLoader, Dataset, Sampler

log = logging.getLogger("ctc")
N_TOKENS = 30  # 0 = blank


class Utterances(Dataset):
    def __init__(self, n, seed):
        r = random.Random(seed)
        self.items = []
        for _ in range(n):
            U = r.randint(3, 20)
            text = [r.randint(1, N_TOKENS - 1) for _ in range(U)]
            frames = torch.zeros(U * 4, 40)
            for j, t in enumerate(text):
                frames[4 * j:4 * j + 4, t] = 1.0
            self.items.append((frames + 0.1 * torch.randn_like(frames), torch.tensor(text)))

    def __len__(self):
        return len(self.items)

    def __getitem__(self, i):
        return self.items[i]


class BucketBatchSampler(Sampler):
    def __init__(self, lengths, batch_size, seed=0):
        self.order = sorted(range(len(lengths)), key=lambda i: lengths[i])
        self.batch_size = batch_size
        self.rng = random.Random(seed)

    def __iter__(self):
        batches = [self.order[i:i + self.batch_size] for i in range(0, len(self.order), self.batch_size)]
        for b in batches:
            self.rng.shuffle(b)
        self.rng.shuffle(batches)
        return iter(batches)

    def __len__(self):
        return (len(self.order) + self.batch_size - 1) // self.batch_size


def collate(batch):
    feats = nn.utils.rnn.pad_sequence([f for f, _ in batch], batch_first=True)
    feat_lens = torch.tensor([len(f) for f, _ in batch])
    targets = torch.cat([t for _, t in batch])
    target_lens = torch.tensor([len(t) for _, t in batch])
    return feats, feat_lens, targets, target_lens


class BiLSTMCTC(nn.Module):
    def __init__(self, d_in=40, hidden=128):
        super().__init__()
        self.rnn = nn.LSTM(d_in, hidden, num_layers=2, bidirectional=True, batch_first=True)
        self.out = nn.Linear(2 * hidden, N_TOKENS)

    def forward(self, feats, lens):
        packed = nn.utils.rnn.pack_padded_sequence(feats, lens, batch_first=True, enforce_sorted=False)
        h, _ = self.rnn(packed)
        h, _ = nn.utils.rnn.pad_packed_sequence(h, batch_first=True)
        return F.log_softmax(self.out(h), dim=-1)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--epochs", type=int, default=10)
    ap.add_argument("--bs", type=int, default=32)
    args = ap.parse_args()
    logging.basicConfig(level=logging.INFO)
    train_ds = Utterances(3000, 0)
    sampler = BucketBatchSampler([len(f) for f, _ in train_ds.items], args.bs)
    train_dl = DataLoader(train_ds, batch_sampler=sampler, collate_fn=collate)
    dev_dl = DataLoader(Utterances(300, 1), batch_size=64, collate_fn=collate)
    model = BiLSTMCTC()
    ctc = nn.CTCLoss(blank=0, zero_infinity=True)
    opt = torch.optim.Adam(model.parameters(), lr=1e-3)
    for epoch in range(args.epochs):
        model.train()
        tot = 0.0
        for feats, flen, tgt, tlen in train_dl:
            logp = model(feats, flen).transpose(0, 1)  # (T, B, C)
            loss = ctc(logp, tgt, flen, tlen)
            opt.zero_grad()
            loss.backward()
            nn.utils.clip_grad_norm_(model.parameters(), 5.0)
            opt.step()
            tot += loss.item()
        model.eval()
        with torch.no_grad():
            dev = sum(ctc(model(f, fl).transpose(0, 1), t, fl, tl).item() for f, fl, t, tl in dev_dl) / len(dev_dl)
        log.info("epoch %d train_ctc %.4f dev_ctc %.4f", epoch, tot / len(train_dl), dev)


if __name__ == "__main__":
    main()
