# expect: TVL007
# style: fastai-style one-cycle training written by hand, audio genre classification on mel patches
# bug: scheduler.step() is called before optimizer.step() inside the batch loop, so the first LR of the one-cycle schedule is skipped and every update uses the next step's LR.
import argparse
import os

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F
from torch.utils.data import DataLoader, Dataset

GENRES = ["blues", "classical", "country", "disco", "hiphop", "jazz", "metal", "pop", "reggae", "rock"]


class MelPatches(Dataset):
    def __init__(self, n, n_mels=64, frames=128, seed=0):
        rng = np.random.default_rng(seed)
        self.y = rng.integers(0, len(GENRES), n)
        self.x = rng.normal(size=(n, 1, n_mels, frames)).astype(np.float32)
        for i, c in enumerate(self.y):
            self.x[i, 0, c * 6:(c + 1) * 6] += 1.5

    def __len__(self):
        return len(self.y)

    def __getitem__(self, i):
        x = torch.from_numpy(self.x[i])
        if np.random.rand() < 0.5:
            t0 = np.random.randint(0, x.shape[-1] - 16)
            x = x.clone(); x[..., t0:t0 + 16] = 0
        return x, int(self.y[i])


class GenreCNN(nn.Module):
    def __init__(self, n_cls=len(GENRES)):
        super().__init__()
        def cb(a, b):
            return nn.Sequential(nn.Conv2d(a, b, 3, padding=1), nn.BatchNorm2d(b), nn.ReLU(), nn.MaxPool2d(2))
        self.features = nn.Sequential(cb(1, 32), cb(32, 64), cb(64, 128), cb(128, 128))
        self.drop = nn.Dropout(0.3)
        self.fc = nn.Linear(128, n_cls)

    def forward(self, x):
        x = self.features(x)
        x = x.mean(-1).amax(-1)
        return self.fc(self.drop(x))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--epochs", type=int, default=12)
    ap.add_argument("--max-lr", type=float, default=3e-3)
    ap.add_argument("--bs", type=int, default=32)
    ap.add_argument("--wd", type=float, default=1e-2)
    ap.add_argument("--save", default="genre_cnn.pt")
    args = ap.parse_args()
    device = "cuda" if torch.cuda.is_available() else "cpu"

    train_dl = DataLoader(MelPatches(3000), batch_size=args.bs, shuffle=True, num_workers=2, drop_last=True)
    valid_dl = DataLoader(MelPatches(600, seed=1), batch_size=128)

    model = GenreCNN().to(device)
    optimizer = torch.optim.AdamW(model.parameters(), lr=args.max_lr / 25, weight_decay=args.wd)
    scheduler = torch.optim.lr_scheduler.OneCycleLR(
        optimizer, max_lr=args.max_lr, epochs=args.epochs, steps_per_epoch=len(train_dl), pct_start=0.25)

    for epoch in range(args.epochs):
        model.train()
        losses = []
        for x, y in train_dl:
            x, y = x.to(device), y.to(device)
            optimizer.zero_grad()
            loss = F.cross_entropy(model(x), y)
            loss.backward()
            scheduler.step()
            optimizer.step()
            losses.append(loss.item())

        model.eval()
        correct = n = 0
        with torch.no_grad():
            for x, y in valid_dl:
                correct += (model(x.to(device)).argmax(1).cpu() == y).sum().item()
                n += len(y)
        print(f"epoch {epoch:2d} lr {scheduler.get_last_lr()[0]:.2e} loss {np.mean(losses):.4f} acc {correct / n:.3f}")

    os.makedirs(os.path.dirname(args.save) or ".", exist_ok=True)
    torch.save(model.state_dict(), args.save)


if __name__ == "__main__":
    main()
