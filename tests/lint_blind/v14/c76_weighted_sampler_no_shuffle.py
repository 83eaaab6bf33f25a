# expect: clean
# style: imbalanced skin-lesion classification with a sampler factory
# note: the training DataLoader has no shuffle=True, but it is given a WeightedRandomSampler (shuffle must stay False when a sampler is passed)
import logging
from collections import Counter

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F
from torch.utils.data import DataLoader, Dataset, WeightedRandomSampler

log = logging.getLogger("lesions")
CLASSES = ["nv", "mel", "bkl", "bcc", "akiec", "vasc", "df"]
PRIORS = [0.67, 0.11, 0.11, 0.05, 0.03, 0.015, 0.015]


class Lesions(Dataset):
    def __init__(self, n, seed):
        rng = np.random.default_rng(seed)
        self.labels = rng.choice(len(CLASSES), size=n, p=PRIORS)
        self.images = rng.normal(size=(n, 3, 64, 64)).astype(np.float32) + self.labels[:, None, None, None] * 0.1

    def __len__(self):
        return len(self.labels)

    def __getitem__(self, i):
        img = torch.from_numpy(self.images[i])
        if np.random.rand() < 0.5:
            img = img.flip(-1)
        return img, int(self.labels[i])


def make_balanced_sampler(labels):
    counts = Counter(labels.tolist())
    weights = np.array([1.0 / counts[l] for l in labels])
    return WeightedRandomSampler(torch.from_numpy(weights), num_samples=len(labels), replacement=True)


def make_loaders(train_ds, val_ds, bs=64):
    train = DataLoader(train_ds, batch_size=bs, sampler=make_balanced_sampler(train_ds.labels), num_workers=2,
                       drop_last=True)
    val = DataLoader(val_ds, batch_size=256, shuffle=False)
    return train, val


def balanced_accuracy(pred, target, k):
    recalls = []
    for c in range(k):
        m = target == c
        if m.any():
            recalls.append((pred[m] == c).float().mean().item())
    return float(np.mean(recalls))


def main():
    logging.basicConfig(level=logging.INFO)
    train_loader, val_loader = make_loaders(Lesions(8000, 0), Lesions(1500, 1))
    model = nn.Sequential(
        nn.Conv2d(3, 32, 3, padding=1), nn.BatchNorm2d(32), nn.ReLU(), nn.MaxPool2d(2),
        nn.Conv2d(32, 64, 3, padding=1), nn.BatchNorm2d(64), nn.ReLU(), nn.MaxPool2d(2),
        nn.Conv2d(64, 128, 3, padding=1), nn.BatchNorm2d(128), nn.ReLU(),
        nn.AdaptiveAvgPool2d(1), nn.Flatten(), nn.Linear(128, len(CLASSES)))
    opt = torch.optim.Adam(model.parameters(), lr=1e-3)
    for epoch in range(20):
        model.train()
        seen = Counter()
        for x, y in train_loader:
            loss = F.cross_entropy(model(x), y)
            opt.zero_grad()
            loss.backward()
            opt.step()
            seen.update(y.tolist())
        model.eval()
        preds, targets = [], []
        with torch.no_grad():
            for x, y in val_loader:
                preds.append(model(x).argmax(1))
                targets.append(y)
        bacc = balanced_accuracy(torch.cat(preds), torch.cat(targets), len(CLASSES))
        log.info("epoch %d loss %.4f balanced acc %.4f sampled class mix %s", epoch, loss.item(), bacc,
                 {CLASSES[k]: v for k, v in sorted(seen.items())})


if __name__ == "__main__":
    main()
