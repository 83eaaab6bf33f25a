# expect: TVL003
# style: speech recognition (CTC) research script with argparse and checkpointing
# bug: the training loop calls backward() and step() every batch but never clears gradients, so they accumulate across the whole run.
import argparse
import os

import torch
import torch.nn as nn
import torch.nn.functional as F
from torch.utils.data import DataLoader, Dataset

VOCAB = ["<blank>", " "] + [chr(c) for c in range(ord("a"), ord("z") + 1)]


class FakeSpeech(Dataset):
    def __init__(self, n=800, n_mels=80):
        self.n, self.n_mels = n, n_mels

    def __len__(self):
        return self.n

    def __getitem__(self, i):
        T = 200 + (i % 50)
        feats = torch.randn(T, self.n_mels)
        L = 20 + (i % 10)
        tokens = torch.randint(1, len(VOCAB), (L,))
        return feats, tokens


def collate(batch):
    feats, toks = zip(*batch)
    flen = torch.tensor([f.size(0) for f in feats])
    tlen = torch.tensor([t.size(0) for t in toks])
    feats = nn.utils.rnn.pad_sequence(feats, batch_first=True)
    toks = torch.cat(toks)
    return feats, flen, toks, tlen


class ConvBiGRU(nn.Module):
    def __init__(self, n_mels=80, hidden=256, vocab=len(VOCAB)):
        super().__init__()
        self.conv = nn.Sequential(nn.Conv1d(n_mels, hidden, 5, stride=2, padding=2), nn.GELU())
        self.rnn = nn.GRU(hidden, hidden, num_layers=3, batch_first=True, bidirectional=True, dropout=0.1)
        self.out = nn.Linear(2 * hidden, vocab)

    def forward(self, feats, lengths):
        x = self.conv(feats.transpose(1, 2)).transpose(1, 2)
        lengths = (lengths + 1) // 2
        x, _ = self.rnn(x)
        return F.log_softmax(self.out(x), dim=-1), lengths


def save_ckpt(path, model, opt, epoch):
    os.makedirs(os.path.dirname(path) or ".", exist_ok=True)
    torch.save({"model": model.state_dict(), "opt": opt.state_dict(), "epoch": epoch}, path)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--epochs", type=int, default=10)
    ap.add_argument("--lr", type=float, default=3e-4)
    ap.add_argument("--out", default="ckpt/ctc.pt")
    args = ap.parse_args()

    dev = "cuda" if torch.cuda.is_available() else "cpu"
    model = ConvBiGRU().to(dev)
    ctc = nn.CTCLoss(blank=0, zero_infinity=True)
    opt = torch.optim.AdamW(model.parameters(), lr=args.lr)
    loader = DataLoader(FakeSpeech(), batch_size=16, shuffle=True, collate_fn=collate, num_workers=2)

    step = 0
    for epoch in range(args.epochs):
        model.train()
        for feats, flen, toks, tlen in loader:
            feats, toks = feats.to(dev), toks.to(dev)
            logp, olen = model(feats, flen)
            loss = ctc(logp.transpose(0, 1), toks, olen, tlen)
            loss.backward()
            nn.utils.clip_grad_norm_(model.parameters(), 5.0)
            opt.step()
            step += 1
            if step % 25 == 0:
                print(f"epoch {epoch} step {step} ctc {loss.item():.3f}")
        save_ckpt(args.out, model, opt, epoch)


if __name__ == "__main__":
    main()
