# expect: TVL015
# style: small research repo, make_loaders() helper with a split-name check, audio genre classification
# bug: make_loader() shuffles only when split == "training" but the caller passes "train", so the training loader is not shuffled
import argparse
import logging

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F
from torch.utils.data import DataLoader, Dataset

log = logging.getLogger("genre")
GENRES = ["blues", "classical", "country", "disco", "hiphop", "jazz", "metal", "pop", "reggae", "rock"]


class MelClips(Dataset):
    """Clips stored genre-by-genre, as in the GTZAN folder layout."""

    def __init__(self, split, n_per_genre, n_mels=96, frames=256, seed=0):
        rng = np.random.default_rng(seed + (0 if split == "train" else 100))
        self.x, self.y = [], []
        for g, _ in enumerate(GENRES):
            for _ in range(n_per_genre):
                spec = rng.normal(g * 0.05, 1.0, size=(n_mels, frames)).astype(np.float32)
                self.x.append(spec)
                self.y.append(g)
        self.split = split

    def __len__(self):
        return len(self.y)

    def __getitem__(self, i):
        spec = torch.from_numpy(self.x[i])
        if self.split == "train":
            start = np.random.randint(0, spec.size(1) - 128)
            spec = spec[:, start:start + 128]
        else:
            spec = spec[:, :128]
        return spec, self.y[i]


def make_loader(split, batch_size, n_per_genre, workers=2):
    ds = MelClips(split, n_per_genre)
    return DataLoader(ds, batch_size=batch_size, shuffle=(split == "training"),
                      num_workers=workers, drop_last=(split == "training"))


class CRNNGenre(nn.Module):
    def __init__(self, n_mels=96, n_classes=10):
        super().__init__()
        self.conv = nn.Sequential(
            nn.Conv2d(1, 32, 3, padding=1), nn.BatchNorm2d(32), nn.ELU(), nn.MaxPool2d((2, 2)),
            nn.Conv2d(32, 64, 3, padding=1), nn.BatchNorm2d(64), nn.ELU(), nn.MaxPool2d((4, 2)),
            nn.Conv2d(64, 64, 3, padding=1), nn.BatchNorm2d(64), nn.ELU(), nn.MaxPool2d((4, 2)))
        self.gru = nn.GRU(64 * (n_mels // 32), 64, batch_first=True)
        self.fc = nn.Linear(64, n_classes)

    def forward(self, x):
        h = self.conv(x.unsqueeze(1))                 # (B, C, F', T')
        h = h.permute(0, 3, 1, 2).flatten(2)          # (B, T', C*F')
        _, last = self.gru(h)
        return self.fc(last[-1])


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--epochs", type=int, default=40)
    ap.add_argument("--bs", type=int, default=32)
    args = ap.parse_args()
    logging.basicConfig(level=logging.INFO)

    loaders = {split: make_loader(split, args.bs, n) for split, n in (("train", 80), ("val", 20))}
    model = CRNNGenre()
    opt = torch.optim.Adam(model.parameters(), lr=1e-3)
    sched = torch.optim.lr_scheduler.ReduceLROnPlateau(opt, mode="max", patience=4)
    for epoch in range(args.epochs):
        model.train()
        run = 0.0
        for x, y in loaders["train"]:
            loss = F.cross_entropy(model(x), y)
            opt.zero_grad()
            loss.backward()
            opt.step()
            run += loss.item()
        model.eval()
        hits = 0
        with torch.no_grad():
            for x, y in loaders["val"]:
                hits += (model(x).argmax(1) == y).sum().item()
        acc = hits / len(loaders["val"].dataset)
        sched.step(acc)
        log.info("epoch %d loss %.4f val_acc %.4f", epoch, run / len(loaders["train"]), acc)


if __name__ == "__main__":
    main()
