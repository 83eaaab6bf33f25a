# expect: clean
# style: research trainer for a sequence-labelling speech model (frame-level phoneme classification) with tensor-side loss accumulation
# note: losses are summed across iterations as tensors (total += ...), which looks like graph retention, but what is added is loss.detach() so no graph is kept; converted with .item() once per epoch
import argparse
import logging

import torch
import torch.nn as nn
import torch.nn.functional as F
from torch.utils.data import DataLoader, Dataset

log = logging.getLogger("phones")
N_PHONES = 40


class FrameDataset(Dataset):
    def __init__(self, n_utts, seed=0):
        g = torch.Generator().manual_seed(seed)
        self.utts = []
        for _ in range(n_utts):
            T = int(torch.randint(80, 300, (1,), generator=g))
            labels = torch.randint(0, N_PHONES, (T // 8 + 1,), generator=g).repeat_interleave(8)[:T]
            feats = torch.randn(T, 40, generator=g) + F.one_hot(labels, N_PHONES).float() * 0.5
            self.utts.append((feats, labels))

    def __len__(self):
        return len(self.utts)

    def __getitem__(self, i):
        return self.utts[i]


def collate(batch):
    feats, labels = zip(*batch)
    x = nn.utils.rnn.pad_sequence(feats, batch_first=True)
    y = nn.utils.rnn.pad_sequence(labels, batch_first=True, padding_value=-100)
    return x, y


class BLSTMTagger(nn.Module):
    def __init__(self, d_in=40, h=192):
        super().__init__()
        self.lstm = nn.LSTM(d_in, h, num_layers=3, batch_first=True, bidirectional=True, dropout=0.2)
        self.out = nn.Linear(2 * h, N_PHONES)

    def forward(self, x):
        return self.out(self.lstm(x)[0])


class FrameTrainer:
    def __init__(self, model, lr):
        self.model = model
        self.opt = torch.optim.Adam(model.parameters(), lr=lr)

    def run_epoch(self, loader):
        self.model.train()
        total = torch.zeros(())
        frames = torch.zeros(())
        for x, y in loader:
            logits = self.model(x)
            loss = F.cross_entropy(logits.flatten(0, 1), y.flatten(), ignore_index=-100)
            self.opt.zero_grad()
            loss.backward()
            nn.utils.clip_grad_norm_(self.model.parameters(), 5.0)
            self.opt.step()
            n = (y != -100).sum()
            total += loss.detach() * n
            frames += n
        return (total / frames).item()

    @torch.no_grad()
    def frame_error_rate(self, loader):
        self.model.eval()
        err = cnt = 0
        for x, y in loader:
            pred = self.model(x).argmax(-1)
            m = y != -100
            err += (pred[m] != y[m]).sum().item()
            cnt += m.sum().item()
        self.model.train()
        return err / cnt


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--epochs", type=int, default=15)
    ap.add_argument("--lr", type=float, default=1e-3)
    args = ap.parse_args()
    logging.basicConfig(level=logging.INFO)
    train_loader = DataLoader(FrameDataset(1500), batch_size=16, shuffle=True, collate_fn=collate)
    dev_loader = DataLoader(FrameDataset(200, seed=1), batch_size=32, collate_fn=collate)
    trainer = FrameTrainer(BLSTMTagger(), args.lr)
    for epoch in range(args.epochs):
        loss = trainer.run_epoch(train_loader)
        log.info("epoch %d frame CE %.4f dev FER %.4f", epoch, loss, trainer.frame_error_rate(dev_loader))


if __name__ == "__main__":
    main()
