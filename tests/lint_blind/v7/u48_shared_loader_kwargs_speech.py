# expect: TVL015
# style: ESPnet-ish recipe with a loader_kwargs dict shared across splits, speaker identification from MFCC frames
# bug: LOADER_KWARGS (batch_size, num_workers, collate_fn, pin_memory) is reused for the train and dev loaders and contains no shuffle, and no sampler is passed, so the training loader is sequential.
import argparse
import logging

import torch
import torch.nn as nn
import torch.nn.functional as F
from torch.utils.data import DataLoader, Dataset

logging.basicConfig(level=logging.INFO, format="%(asctime)s (%(module)s:%(lineno)d) %(levelname)s: %(message)s")
N_SPK = 40


class UttDataset(Dataset):
    """utt list grouped by speaker like a Kaldi spk2utt dump."""

    def __init__(self, n_per_spk, seed):
        g = torch.Generator().manual_seed(seed)
        self.utts = []
        for spk in range(N_SPK):
            for _ in range(n_per_spk):
                T = int(torch.randint(150, 400, (1,), generator=g))
                self.utts.append((torch.randn(T, 40, generator=g) + spk * 0.01, spk))

    def __len__(self):
        return len(self.utts)

    def __getitem__(self, i):
        return self.utts[i]


def pad_collate(batch):
    feats, spk = zip(*batch)
    lens = torch.tensor([f.size(0) for f in feats])
    return nn.utils.rnn.pad_sequence(feats, batch_first=True), lens, torch.tensor(spk)


LOADER_KWARGS = dict(batch_size=32, num_workers=4, collate_fn=pad_collate, pin_memory=True)


class XVector(nn.Module):
    def __init__(self, n_spk=N_SPK):
        super().__init__()
        self.tdnn = nn.Sequential(
            nn.Conv1d(40, 256, 5, dilation=1), nn.ReLU(), nn.BatchNorm1d(256),
            nn.Conv1d(256, 256, 3, dilation=2), nn.ReLU(), nn.BatchNorm1d(256),
            nn.Conv1d(256, 256, 3, dilation=3), nn.ReLU(), nn.BatchNorm1d(256),
        )
        self.seg = nn.Linear(512, 256)
        self.out = nn.Linear(256, n_spk)

    def forward(self, x, lens):
        h = self.tdnn(x.transpose(1, 2))
        stats = torch.cat([h.mean(-1), h.std(-1)], dim=1)
        return self.out(F.relu(self.seg(stats)))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--max-epoch", type=int, default=20)
    ap.add_argument("--lr", type=float, default=1e-3)
    args = ap.parse_args()
    train_loader = DataLoader(UttDataset(40, 0), **LOADER_KWARGS)
    dev_loader = DataLoader(UttDataset(5, 1), **LOADER_KWARGS)
    model = XVector()
    optim = torch.optim.Adam(model.parameters(), lr=args.lr, weight_decay=1e-5)
    sched = torch.optim.lr_scheduler.ExponentialLR(optim, gamma=0.9)
    for epoch in range(1, args.max_epoch + 1):
        model.train()
        tr_loss = 0.0
        for x, lens, spk in train_loader:
            loss = F.cross_entropy(model(x, lens), spk)
            optim.zero_grad()
            loss.backward()
            optim.step()
            tr_loss += loss.item()
        sched.step()
        model.eval()
        correct = total = 0
        with torch.no_grad():
            for x, lens, spk in dev_loader:
                correct += (model(x, lens).argmax(-1) == spk).sum().item()
                total += len(spk)
        logging.info("epoch %d/%d train_loss=%.4f dev_acc=%.4f lr=%.2e", epoch, args.max_epoch,
                     tr_loss / len(train_loader), correct / total, sched.get_last_lr()[0])


if __name__ == "__main__":
    main()
