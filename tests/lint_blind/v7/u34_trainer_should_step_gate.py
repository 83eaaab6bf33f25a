# expect: TVL011
# style: Trainer class with an optimizer_step wrapper, speech CTC acoustic model
# bug: Trainer._should_step() returns False when the gradient norm exceeds a spike threshold and optimizer_step() then silently returns without stepping; nothing counts or logs the skipped updates.
import logging
import math

import torch
import torch.nn as nn
import torch.nn.functional as F
from torch.utils.data import DataLoader, Dataset

logger = logging.getLogger("asr")
BLANK = 0


class FakeASR(Dataset):
    def __init__(self, n=2000, n_mels=80, vocab=30):
        self.items = []
        g = torch.Generator().manual_seed(0)
        for _ in range(n):
            T = int(torch.randint(100, 400, (1,), generator=g))
            U = int(torch.randint(5, T // 8, (1,), generator=g))
            self.items.append((torch.randn(T, n_mels, generator=g), torch.randint(1, vocab, (U,), generator=g)))

    def __len__(self):
        return len(self.items)

    def __getitem__(self, i):
        return self.items[i]


def collate(batch):
    feats, labels = zip(*batch)
    flen = torch.tensor([f.size(0) for f in feats])
    llen = torch.tensor([l.size(0) for l in labels])
    feats = nn.utils.rnn.pad_sequence(feats, batch_first=True)
    labels = nn.utils.rnn.pad_sequence(labels, batch_first=True)
    return feats, flen, labels, llen


class BiLSTMCTC(nn.Module):
    def __init__(self, n_mels=80, hidden=256, vocab=30):
        super().__init__()
        self.sub = nn.Conv1d(n_mels, hidden, 3, stride=2, padding=1)
        self.rnn = nn.LSTM(hidden, hidden, 3, batch_first=True, bidirectional=True, dropout=0.2)
        self.out = nn.Linear(2 * hidden, vocab)

    def forward(self, x, lens):
        x = F.relu(self.sub(x.transpose(1, 2))).transpose(1, 2)
        lens = (lens + 1) // 2
        x, _ = self.rnn(x)
        return F.log_softmax(self.out(x), dim=-1), lens


class Trainer:
    def __init__(self, model, lr=1e-3, clip=5.0, spike_factor=10.0):
        self.model = model
        self.opt = torch.optim.Adam(model.parameters(), lr=lr)
        self.clip = clip
        self.spike_factor = spike_factor
        self.ema_norm = None
        self.ctc = nn.CTCLoss(blank=BLANK, zero_infinity=True)

    def _should_step(self, gnorm):
        if self.ema_norm is None:
            self.ema_norm = gnorm
            return True
        ok = math.isfinite(gnorm) and gnorm < self.spike_factor * self.ema_norm
        if ok:
            self.ema_norm = 0.98 * self.ema_norm + 0.02 * gnorm
        return ok

    def optimizer_step(self):
        gnorm = float(nn.utils.clip_grad_norm_(self.model.parameters(), self.clip))
        if not self._should_step(gnorm):
            return
        self.opt.step()

    def train_epoch(self, loader, epoch):
        self.model.train()
        tot = 0.0
        for i, (x, xl, y, yl) in enumerate(loader):
            logp, ol = self.model(x, xl)
            loss = self.ctc(logp.transpose(0, 1), y, ol, yl)
            self.opt.zero_grad()
            loss.backward()
            self.optimizer_step()
            tot += loss.item()
            if i % 20 == 0:
                logger.info("epoch %d iter %d ctc %.3f", epoch, i, loss.item())
        return tot / len(loader)


if __name__ == "__main__":
    logging.basicConfig(level=logging.INFO)
    loader = DataLoader(FakeASR(), batch_size=16, shuffle=True, collate_fn=collate, num_workers=2)
    trainer = Trainer(BiLSTMCTC())
    for ep in range(10):
        logger.info("epoch %d mean ctc %.3f", ep, trainer.train_epoch(loader, ep))
