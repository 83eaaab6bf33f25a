# expect: TVL015
# style: ESPnet/fairseq-like ASR recipe with a length-sorted dataset and CTC loss
# bug: AsrDataset sorts utterances by length for efficient padding, and make_train_loader() builds a plain DataLoader without shuffle or a (bucket) sampler, so every epoch goes short-to-long in the same order.
import argparse

import torch
import torch.nn as nn
import torch.nn.functional as F
from torch.nn.utils.rnn import pad_sequence
from torch.utils.data import DataLoader, Dataset

VOCAB = 32  # blank=0, characters 1..31


class AsrDataset(Dataset):
    def __init__(self, n=1200, feat_dim=80, seed=0):
        g = torch.Generator().manual_seed(seed)
        utts = []
        for _ in range(n):
            T = int(torch.randint(100, 800, (1,), generator=g))
            U = max(5, T // 12)
            utts.append((torch.randn(T, feat_dim, generator=g), torch.randint(1, VOCAB, (U,), generator=g)))
        # sort by number of frames so that batches need little padding
        self.utts = sorted(utts, key=lambda u: u[0].size(0))

    def __len__(self):
        return len(self.utts)

    def __getitem__(self, i):
        return self.utts[i]


def collate(batch):
    feats, tokens = zip(*batch)
    return (pad_sequence(feats, batch_first=True), torch.tensor([f.size(0) for f in feats]),
            torch.cat(tokens), torch.tensor([t.size(0) for t in tokens]))


def make_train_loader(ds, batch_size):
    return DataLoader(ds, batch_size=batch_size, collate_fn=collate, num_workers=2, pin_memory=True)


class ConvLSTMEncoder(nn.Module):
    def __init__(self, feat_dim=80, hidden=320):
        super().__init__()
        self.sub = nn.Sequential(nn.Conv1d(feat_dim, hidden, 3, stride=2, padding=1), nn.ReLU())
        self.lstm = nn.LSTM(hidden, hidden, num_layers=3, batch_first=True, bidirectional=True, dropout=0.2)
        self.ctc_head = nn.Linear(2 * hidden, VOCAB)

    def forward(self, feats, lengths):
        x = self.sub(feats.transpose(1, 2)).transpose(1, 2)
        out_lens = (lengths + 1) // 2
        h, _ = self.lstm(x)
        return F.log_softmax(self.ctc_head(h), dim=-1), out_lens


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--epochs", type=int, default=20)
    ap.add_argument("--batch-size", type=int, default=24)
    ap.add_argument("--lr", type=float, default=1e-3)
    args = ap.parse_args()

    loader = make_train_loader(AsrDataset(), args.batch_size)
    model = ConvLSTMEncoder()
    ctc = nn.CTCLoss(blank=0, zero_infinity=True)
    opt = torch.optim.Adam(model.parameters(), lr=args.lr)
    for epoch in range(args.epochs):
        model.train()
        total = 0.0
        for feats, flens, targets, tlens in loader:
            log_probs, olens = model(feats, flens)
            loss = ctc(log_probs.transpose(0, 1), targets, olens, tlens)
            opt.zero_grad()
            loss.backward()
            nn.utils.clip_grad_norm_(model.parameters(), 5.0)
            opt.step()
            total += loss.item()
        print(f"epoch {epoch} ctc {total / len(loader):.3f}")


if __name__ == "__main__":
    main()
