# expect: TVL004
# style: ESPnet-like speech CTC recipe with a shared `run_batch` used for train and valid
# bug: `run_batch` always calls optimizer.step() (only backward is gated on `train`), so the validation pass also updates the model using stale gradients
import argparse

import torch
import torch.nn as nn
import torch.nn.functional as F
from torch.utils.data import DataLoader, TensorDataset

BLANK = 0


class ConvCTC(nn.Module):
    def __init__(self, n_mels=40, vocab=30, hidden=128):
        super().__init__()
        self.conv = nn.Sequential(nn.Conv1d(n_mels, hidden, 5, padding=2), nn.GELU(),
                                  nn.Conv1d(hidden, hidden, 5, padding=2), nn.GELU())
        self.rnn = nn.GRU(hidden, hidden, batch_first=True, bidirectional=True)
        self.out = nn.Linear(2 * hidden, vocab)

    def forward(self, feats):
        h = self.conv(feats.transpose(1, 2)).transpose(1, 2)
        h, _ = self.rnn(h)
        return self.out(h).log_softmax(-1)


def run_batch(model, optimizer, batch, train):
    feats, targets, feat_lens, tgt_lens = batch
    logp = model(feats)
    loss = F.ctc_loss(logp.transpose(0, 1), targets, feat_lens, tgt_lens, blank=BLANK, zero_infinity=True)
    if train:
        optimizer.zero_grad()
        loss.backward()
        nn.utils.clip_grad_norm_(model.parameters(), 5.0)
    optimizer.step()
    return loss.item()


def run_epoch(model, optimizer, loader, train):
    model.train(train)
    ctx = torch.enable_grad() if train else torch.no_grad()
    total = 0.0
    with ctx:
        for batch in loader:
            total += run_batch(model, optimizer, batch, train)
    return total / max(1, len(loader))


def fake_corpus(n, T=120, U=20, n_mels=40, vocab=30):
    feats = torch.randn(n, T, n_mels)
    targets = torch.randint(1, vocab, (n, U))
    return TensorDataset(feats, targets, torch.full((n,), T), torch.randint(5, U + 1, (n,)))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--max-epoch", type=int, default=8)
    ap.add_argument("--lr", type=float, default=1e-3)
    args = ap.parse_args()
    model = ConvCTC()
    optimizer = torch.optim.Adam(model.parameters(), lr=args.lr)
    train_loader = DataLoader(fake_corpus(512), batch_size=16, shuffle=True)
    valid_loader = DataLoader(fake_corpus(128), batch_size=32)
    for ep in range(1, args.max_epoch + 1):
        tr = run_epoch(model, optimizer, train_loader, train=True)
        va = run_epoch(model, optimizer, valid_loader, train=False)
        print(f"{ep}epoch: train/loss={tr:.3f} valid/loss={va:.3f}")


if __name__ == "__main__":
    main()
