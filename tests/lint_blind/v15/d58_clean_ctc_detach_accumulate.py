# expect: clean
# style: speech recognition (CTC) Trainer class; epoch loss accumulated as a tensor on device to avoid per-step host syncs
# note: `self.epoch_loss += loss.detach() * n` accumulates a tensor, which looks like the keep-the-graph bug, but .detach() drops the autograd history; the model also returns log_softmax because nn.CTCLoss expects log-probabilities
import argparse
import logging
import random

import torch
import torch.nn as nn
import torch.nn.functional as F
from torch.nn.utils.rnn import pad_sequence
from torch.utils.data import DataLoader, Dataset

log = logging.getLogger("ctc")
VOCAB = list("_abcdefghijklmnopqrstuvwxyz '")


class SynthUtts(Dataset):
    def __init__(self, n, seed):
        rnd = random.Random(seed)
        self.data = []
        for _ in range(n):
            text = [rnd.randint(1, len(VOCAB) - 1) for _ in range(rnd.randint(4, 20))]
            frames = torch.randn(len(text) * 6, 80)
            for k, t in enumerate(text):
                frames[k * 6 : (k + 1) * 6, t * 2] += 3.0
            self.data.append((frames, torch.tensor(text)))

    def __len__(self):
        return len(self.data)

    def __getitem__(self, i):
        return self.data[i]


def collate(batch):
    x, y = zip(*batch)
    return (pad_sequence(x, batch_first=True), torch.tensor([len(a) for a in x]),
            torch.cat(y), torch.tensor([len(b) for b in y]))


class BLSTMCTC(nn.Module):
    def __init__(self, n_in=80, hidden=256, n_out=len(VOCAB)):
        super().__init__()
        self.lstm = nn.LSTM(n_in, hidden, num_layers=3, bidirectional=True, batch_first=True, dropout=0.2)
        self.proj = nn.Linear(2 * hidden, n_out)

    def forward(self, x, lengths):
        packed = nn.utils.rnn.pack_padded_sequence(x, lengths.cpu(), batch_first=True, enforce_sorted=False)
        out, _ = self.lstm(packed)
        out, _ = nn.utils.rnn.pad_packed_sequence(out, batch_first=True)
        return F.log_softmax(self.proj(out), dim=-1)


class CTCTrainer:
    def __init__(self, model, lr, device):
        self.model = model.to(device)
        self.device = device
        self.ctc = nn.CTCLoss(blank=0, zero_infinity=True)
        self.opt = torch.optim.Adam(model.parameters(), lr=lr)
        self.epoch_loss = torch.zeros((), device=device)
        self.seen = 0

    def step(self, batch):
        x, xl, y, yl = batch
        logp = self.model(x.to(self.device), xl)
        loss = self.ctc(logp.transpose(0, 1), y.to(self.device), xl.to(self.device), yl.to(self.device))
        self.opt.zero_grad(set_to_none=True)
        loss.backward()
        nn.utils.clip_grad_norm_(self.model.parameters(), 10.0)
        self.opt.step()
        n = x.size(0)
        self.epoch_loss += loss.detach() * n
        self.seen += n

    def train_epoch(self, loader):
        self.model.train()
        self.epoch_loss.zero_()
        self.seen = 0
        for batch in loader:
            self.step(batch)
        return (self.epoch_loss / self.seen).item()

    @torch.no_grad()
    def valid_loss(self, loader):
        self.model.eval()
        tot, n = 0.0, 0
        for x, xl, y, yl in loader:
            logp = self.model(x.to(self.device), xl)
            tot += self.ctc(logp.transpose(0, 1), y.to(self.device), xl.to(self.device), yl.to(self.device)).item() * x.size(0)
            n += x.size(0)
        return tot / n


if __name__ == "__main__":
    ap = argparse.ArgumentParser()
    ap.add_argument("--epochs", type=int, default=15)
    ap.add_argument("--lr", type=float, default=1e-3)
    args = ap.parse_args()
    logging.basicConfig(level=logging.INFO)
    dev = "cuda" if torch.cuda.is_available() else "cpu"
    train_dl = DataLoader(SynthUtts(3000, 0), batch_size=24, shuffle=True, collate_fn=collate)
    val_dl = DataLoader(SynthUtts(300, 1), batch_size=48, collate_fn=collate)
    trainer = CTCTrainer(BLSTMCTC(), args.lr, dev)
    for ep in range(args.epochs):
        tr = trainer.train_epoch(train_dl)
        va = trainer.valid_loss(val_dl)
        log.info("epoch %d train_ctc %.3f valid_ctc %.3f", ep, tr, va)
    torch.save(trainer.model.state_dict(), "blstm_ctc.pt")
