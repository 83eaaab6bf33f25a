# expect: TVL009
# style: char-level language model with a custom collate_fn, log_softmax + nll_loss
# bug: collate_batch() builds the shifted targets with .float() (to share a padding helper with the float inputs), and the train step passes them to F.nll_loss, which needs int64 class indices.
import argparse
import math
import random

import torch
import torch.nn as nn
import torch.nn.functional as F
from torch.utils.data import DataLoader, Dataset

PAD = 0


class CharCorpus(Dataset):
    def __init__(self, n_lines=3000, vocab=96, seed=0):
        r = random.Random(seed)
        self.lines = [[r.randint(1, vocab - 1) for _ in range(r.randint(10, 120))] for _ in range(n_lines)]

    def __len__(self):
        return len(self.lines)

    def __getitem__(self, i):
        return torch.tensor(self.lines[i], dtype=torch.long)


def pad_to(seqs, value):
    L = max(len(s) for s in seqs)
    out = torch.full((len(seqs), L), value, dtype=torch.float32)
    for k, s in enumerate(seqs):
        out[k, :len(s)] = s
    return out


def collate_batch(batch):
    inputs = pad_to([s[:-1] for s in batch], PAD).long()
    targets = pad_to([s[1:] for s in batch], PAD).float()
    return inputs, targets


class CharLSTM(nn.Module):
    def __init__(self, vocab=96, emb=64, hidden=256, layers=2):
        super().__init__()
        self.emb = nn.Embedding(vocab, emb, padding_idx=PAD)
        self.rnn = nn.LSTM(emb, hidden, layers, batch_first=True, dropout=0.2)
        self.out = nn.Linear(hidden, vocab)

    def forward(self, x):
        h, _ = self.rnn(self.emb(x))
        return F.log_softmax(self.out(h), dim=-1)


def train_step(model, opt, inputs, targets, clip):
    logp = model(inputs)
    loss = F.nll_loss(logp.reshape(-1, logp.size(-1)), targets.reshape(-1), ignore_index=PAD)
    opt.zero_grad()
    loss.backward()
    nn.utils.clip_grad_norm_(model.parameters(), clip)
    opt.step()
    return loss.item()


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--epochs", type=int, default=5)
    ap.add_argument("--bs", type=int, default=32)
    ap.add_argument("--lr", type=float, default=2e-3)
    ap.add_argument("--clip", type=float, default=0.5)
    args = ap.parse_args()
    loader = DataLoader(CharCorpus(), batch_size=args.bs, shuffle=True, collate_fn=collate_batch)
    model = CharLSTM()
    opt = torch.optim.Adam(model.parameters(), lr=args.lr)
    model.train()
    for epoch in range(args.epochs):
        total = 0.0
        for step, (x, y) in enumerate(loader):
            total += train_step(model, opt, x, y, args.clip)
            if step % 25 == 0:
                print(f"epoch {epoch} step {step} bpc {total / (step + 1) / math.log(2):.3f}")


if __name__ == "__main__":
    main()
