# expect: TVL002
# style: ESPnet-flavoured CTC speech recogniser, inline training loop with argparse
# bug: the encoder output is taken through `.data` before log_softmax, so the CTC loss has no path back to the encoder
import argparse
import logging
import math

import torch
import torch.nn as nn
import torch.nn.functional as F
from torch.nn.utils.rnn import pad_sequence
from torch.utils.data import DataLoader, Dataset

logging.basicConfig(format="%(asctime)s %(message)s", level=logging.INFO)

VOCAB = ["<blank>"] + list("abcdefghijklmnopqrstuvwxyz '")


class FakeLibri(Dataset):
    def __init__(self, n_utts, n_mels=80):
        g = torch.Generator().manual_seed(0)
        self.items = []
        for _ in range(n_utts):
            t = int(torch.randint(120, 400, (1,), generator=g))
            u = int(torch.randint(5, 40, (1,), generator=g))
            feats = torch.randn(t, n_mels, generator=g)
            text = torch.randint(1, len(VOCAB), (u,), generator=g)
            self.items.append((feats, text))

    def __len__(self):
        return len(self.items)

    def __getitem__(self, i):
        return self.items[i]


def collate(batch):
    feats, texts = zip(*batch)
    flens = torch.tensor([f.size(0) for f in feats])
    tlens = torch.tensor([t.size(0) for t in texts])
    return pad_sequence(feats, batch_first=True), flens, pad_sequence(texts, batch_first=True), tlens


class Conv2dSubsampling(nn.Module):
    def __init__(self, idim, odim):
        super().__init__()
        self.conv = nn.Sequential(nn.Conv2d(1, odim, 3, 2), nn.ReLU(), nn.Conv2d(odim, odim, 3, 2), nn.ReLU())
        self.out = nn.Linear(odim * (((idim - 1) // 2 - 1) // 2), odim)

    def forward(self, x, lens):
        x = self.conv(x.unsqueeze(1))
        b, c, t, f = x.size()
        x = self.out(x.transpose(1, 2).reshape(b, t, c * f))
        lens = ((lens - 1) // 2 - 1) // 2
        return x, lens


class CTCModel(nn.Module):
    def __init__(self, n_mels=80, d_model=256, n_layers=6, vocab=len(VOCAB)):
        super().__init__()
        self.subsample = Conv2dSubsampling(n_mels, d_model)
        layer = nn.TransformerEncoderLayer(d_model, 4, 1024, dropout=0.1, batch_first=True)
        self.encoder = nn.TransformerEncoder(layer, n_layers)
        self.ctc_lo = nn.Linear(d_model, vocab)

    def forward(self, feats, lens):
        x, lens = self.subsample(feats, lens)
        x = self.encoder(x)
        return self.ctc_lo(x), lens


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--epochs", type=int, default=20)
    ap.add_argument("--batch-size", type=int, default=16)
    ap.add_argument("--lr", type=float, default=1e-3)
    ap.add_argument("--warmup", type=int, default=2000)
    args = ap.parse_args()

    device = torch.device("cuda" if torch.cuda.is_available() else "cpu")
    model = CTCModel().to(device)
    opt = torch.optim.Adam(model.parameters(), lr=args.lr, betas=(0.9, 0.98))
    sched = torch.optim.lr_scheduler.LambdaLR(
        opt, lambda s: min((s + 1) / args.warmup, math.sqrt(args.warmup / (s + 1)))
    )
    ctc = nn.CTCLoss(blank=0, zero_infinity=True)
    loader = DataLoader(FakeLibri(800), batch_size=args.batch_size, shuffle=True, collate_fn=collate)

    step = 0
    for epoch in range(args.epochs):
        model.train()
        agg = 0.0
        for feats, flens, texts, tlens in loader:
            feats, texts = feats.to(device), texts.to(device)
            logits, olens = model(feats, flens.to(device))
            log_probs = F.log_softmax(logits.data, dim=-1).transpose(0, 1)
            loss = ctc(log_probs, texts, olens.cpu(), tlens)
            opt.zero_grad()
            loss.backward()
            gnorm = nn.utils.clip_grad_norm_(model.parameters(), 5.0)
            opt.step()
            sched.step()
            step += 1
            agg += loss.item()
            if step % 50 == 0:
                logging.info("step %d loss %.3f gnorm %.2f lr %.2e", step, loss.item(), gnorm, sched.get_last_lr()[0])
        logging.info("epoch %d mean loss %.3f", epoch, agg / len(loader))


if __name__ == "__main__":
    main()
