# expect: TVL006
# style: speech ASR (CTC) script with separate encoder and full-model optimizers, "discriminative" learning rates done by hand
# bug: opt_encoder covers model.encoder and opt_main covers model.parameters(), so the encoder weights are updated by both optimizers every step
import argparse
import logging

import torch
import torch.nn as nn
import torch.nn.functional as F
from torch.utils.data import DataLoader, Dataset

log = logging.getLogger("asr")
VOCAB = "_ abcdefghijklmnopqrstuvwxyz'"


class FakeSpeech(Dataset):
    def __init__(self, n, n_mels=80):
        self.n, self.n_mels = n, n_mels

    def __len__(self):
        return self.n

    def __getitem__(self, i):
        g = torch.Generator().manual_seed(i)
        T = int(torch.randint(200, 400, (1,), generator=g))
        L = int(torch.randint(10, 40, (1,), generator=g))
        return torch.randn(T, self.n_mels, generator=g), torch.randint(1, len(VOCAB), (L,), generator=g)


def collate(batch):
    feats, labels = zip(*batch)
    flen = torch.tensor([f.size(0) for f in feats])
    llen = torch.tensor([l.size(0) for l in labels])
    feats = nn.utils.rnn.pad_sequence(feats, batch_first=True)
    labels = nn.utils.rnn.pad_sequence(labels, batch_first=True)
    return feats, flen, labels, llen


class CTCModel(nn.Module):
    def __init__(self, n_mels=80, hidden=256, n_tokens=len(VOCAB)):
        super().__init__()
        self.subsample = nn.Sequential(nn.Conv1d(n_mels, hidden, 3, stride=2, padding=1), nn.GELU())
        self.encoder = nn.LSTM(hidden, hidden, num_layers=3, batch_first=True, bidirectional=True, dropout=0.1)
        self.ctc_head = nn.Linear(2 * hidden, n_tokens)

    def forward(self, feats, flen):
        x = self.subsample(feats.transpose(1, 2)).transpose(1, 2)
        x, _ = self.encoder(x)
        return self.ctc_head(x).log_softmax(-1), (flen + 1) // 2


def build_optimizers(model, args):
    opt_encoder = torch.optim.Adam(model.encoder.parameters(), lr=args.lr * args.enc_lr_mult)
    opt_main = torch.optim.Adam(model.parameters(), lr=args.lr)
    return [opt_encoder, opt_main]


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--lr", type=float, default=5e-4)
    ap.add_argument("--enc-lr-mult", type=float, default=0.3)
    ap.add_argument("--epochs", type=int, default=10)
    ap.add_argument("--clip", type=float, default=5.0)
    args = ap.parse_args()
    logging.basicConfig(level=logging.INFO)

    loader = DataLoader(FakeSpeech(2000), batch_size=16, shuffle=True, collate_fn=collate, num_workers=2)
    model = CTCModel()
    optimizers = build_optimizers(model, args)
    step = 0
    for epoch in range(args.epochs):
        model.train()
        for feats, flen, labels, llen in loader:
            log_probs, out_len = model(feats, flen)
            loss = F.ctc_loss(log_probs.transpose(0, 1), labels, out_len, llen, blank=0, zero_infinity=True)
            for opt in optimizers:
                opt.zero_grad()
            loss.backward()
            nn.utils.clip_grad_norm_(model.parameters(), args.clip)
            for opt in optimizers:
                opt.step()
            step += 1
            if step % 50 == 0:
                log.info("epoch %d step %d ctc %.3f", epoch, step, loss.item())
        torch.save({"model": model.state_dict(), "epoch": epoch}, "ctc_last.pt")


if __name__ == "__main__":
    main()
