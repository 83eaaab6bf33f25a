# expect: clean
# style: ESPnet-like CTC ASR recipe (BLSTM encoder, log_softmax -> (T, B, C) -> F.ctc_loss, Noam-ish warmup per step)
# note: ctc_loss gets log-probabilities (not probabilities), int64 targets, per-utterance lengths; the warmup LambdaLR is an iteration schedule stepped after optimizer.step()
import argparse

import torch
import torch.nn as nn
import torch.nn.functional as F
from torch.utils.data import DataLoader, Dataset


class Utterances(Dataset):
    def __len__(self):
        return 800

    def __getitem__(self, i):
        T = int(torch.randint(80, 200, (1,)))
        return torch.randn(T, 80), torch.randint(1, 50, (int(torch.randint(5, 20, (1,))),))


def collate(batch):
    feats = nn.utils.rnn.pad_sequence([b[0] for b in batch], batch_first=True)
    flens = torch.tensor([len(b[0]) for b in batch])
    ys = torch.cat([b[1] for b in batch])
    ylens = torch.tensor([len(b[1]) for b in batch])
    return feats, flens, ys, ylens


class BLSTMEncoder(nn.Module):
    def __init__(self, idim=80, hdim=256, odim=50):
        super().__init__()
        self.blstm = nn.LSTM(idim, hdim, num_layers=3, bidirectional=True, batch_first=True, dropout=0.1)
        self.ctc_lo = nn.Linear(2 * hdim, odim)

    def forward(self, xs, ilens):
        packed = nn.utils.rnn.pack_padded_sequence(xs, ilens, batch_first=True, enforce_sorted=False)
        out, _ = self.blstm(packed)
        out, _ = nn.utils.rnn.pad_packed_sequence(out, batch_first=True)
        return self.ctc_lo(out)


if __name__ == "__main__":
    ap = argparse.ArgumentParser()
    ap.add_argument("--epochs", type=int, default=10)
    ap.add_argument("--warmup-steps", type=int, default=2500)
    ap.add_argument("--adim", type=int, default=256)
    args = ap.parse_args()
    model = BLSTMEncoder(hdim=args.adim)
    optimizer = torch.optim.Adam(model.parameters(), lr=1.0, betas=(0.9, 0.98))
    noam = lambda s: args.adim ** -0.5 * min((s + 1) ** -0.5, (s + 1) * args.warmup_steps ** -1.5)
    scheduler = torch.optim.lr_scheduler.LambdaLR(optimizer, noam)
    loader = DataLoader(Utterances(), batch_size=16, shuffle=True, collate_fn=collate)
    for epoch in range(args.epochs):
        model.train()
        for it, (xs, ilens, ys, olens) in enumerate(loader):
            log_probs = F.log_softmax(model(xs, ilens), dim=-1).transpose(0, 1)
            loss = F.ctc_loss(log_probs, ys, ilens, olens, blank=0, reduction="mean", zero_infinity=True)
            optimizer.zero_grad()
            loss.backward()
            nn.utils.clip_grad_norm_(model.parameters(), 5.0)
            optimizer.step()
            scheduler.step()
            if it % 20 == 0:
                print(f"epoch {epoch} iter {it} loss_ctc {loss.item():.3f}")
