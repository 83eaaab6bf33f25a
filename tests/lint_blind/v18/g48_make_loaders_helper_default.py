# expect: TVL015
# style: research repo data utilities, make_loader(ds, bs, shuffle=False) helper reused for all splits, speech emotion recognition
# bug: get_loaders() calls make_loader() for the training split without passing shuffle=True, so the helper's default (False) makes the training loader unshuffled; the dataset is grouped by speaker.
import argparse
import logging
import os

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F
from torch.utils.data import DataLoader, Dataset

log = logging.getLogger("ser")
EMOTIONS = ["neutral", "happy", "sad", "angry"]


class EmotionClips(Dataset):
    """Log-mel features per utterance, stored speaker by speaker."""

    def __init__(self, speakers, utts_per_speaker=100, n_mels=64, frames=200, seed=0):
        rng = np.random.default_rng(seed)
        feats, labels, spk = [], [], []
        for s in range(speakers):
            timbre = rng.normal(size=(n_mels, 1))
            for _ in range(utts_per_speaker):
                e = rng.integers(len(EMOTIONS))
                x = timbre + rng.normal(size=(n_mels, frames)) * 0.5
                x[e * 8:(e + 1) * 8] += 1.0
                feats.append(x.astype(np.float32))
                labels.append(e)
                spk.append(s)
        self.feats, self.labels, self.speakers = np.stack(feats), np.array(labels), np.array(spk)

    def __len__(self):
        return len(self.labels)

    def __getitem__(self, i):
        return torch.from_numpy(self.feats[i]), int(self.labels[i])


def make_loader(ds, batch_size, shuffle=False, workers=2):
    return DataLoader(ds, batch_size=batch_size, shuffle=shuffle, num_workers=workers, pin_memory=True)


def get_loaders(args):
    train_ds = EmotionClips(speakers=24, seed=0)
    dev_ds = EmotionClips(speakers=4, seed=1)
    train_dl = make_loader(train_ds, args.batch_size)
    dev_dl = make_loader(dev_ds, args.batch_size * 2)
    return train_dl, dev_dl


class CRNN(nn.Module):
    def __init__(self, n_mels=64, n_classes=4):
        super().__init__()
        self.conv = nn.Sequential(
            nn.Conv1d(n_mels, 128, 5, padding=2), nn.BatchNorm1d(128), nn.ReLU(), nn.MaxPool1d(2),
            nn.Conv1d(128, 128, 5, padding=2), nn.BatchNorm1d(128), nn.ReLU(), nn.MaxPool1d(2),
        )
        self.gru = nn.GRU(128, 64, batch_first=True, bidirectional=True)
        self.attn = nn.Linear(128, 1)
        self.out = nn.Linear(128, n_classes)

    def forward(self, x):
        h, _ = self.gru(self.conv(x).transpose(1, 2))
        w = torch.softmax(self.attn(h), dim=1)
        return self.out((w * h).sum(1))


def unweighted_accuracy(preds, labels, n_classes=4):
    recalls = [(preds[labels == c] == c).mean() for c in range(n_classes) if (labels == c).any()]
    return float(np.mean(recalls))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--batch-size", type=int, default=32)
    ap.add_argument("--epochs", type=int, default=15)
    ap.add_argument("--lr", type=float, default=5e-4)
    ap.add_argument("--out", default="exp/ser")
    args = ap.parse_args()
    logging.basicConfig(level=logging.INFO)
    os.makedirs(args.out, exist_ok=True)

    train_dl, dev_dl = get_loaders(args)
    model = CRNN()
    opt = torch.optim.Adam(model.parameters(), lr=args.lr)
    best = 0.0
    for epoch in range(args.epochs):
        model.train()
        losses = []
        for x, y in train_dl:
            loss = F.cross_entropy(model(x), y)
            opt.zero_grad()
            loss.backward()
            nn.utils.clip_grad_norm_(model.parameters(), 3.0)
            opt.step()
            losses.append(loss.item())
        model.eval()
        preds, gold = [], []
        with torch.no_grad():
            for x, y in dev_dl:
                preds.append(model(x).argmax(-1).numpy())
                gold.append(y.numpy())
        ua = unweighted_accuracy(np.concatenate(preds), np.concatenate(gold))
        if ua > best:
            best = ua
            torch.save(model.state_dict(), os.path.join(args.out, "best.pt"))
        log.info("epoch %d loss %.4f dev_UA %.4f", epoch, np.mean(losses), ua)


if __name__ == "__main__":
    main()
