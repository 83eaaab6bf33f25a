# expect: clean
# style: research repo with build_loaders() that shuffles every split, keyword spotting / audio tagging
# note: the validation DataLoader has shuffle=True (a shared loader factory), but evaluation only accumulates order-free counts (accuracy, per-class hits) from (x, y) pairs that travel together in each batch.
import argparse
import math
from collections import Counter

import torch
import torch.nn as nn
import torch.nn.functional as F
from torch.utils.data import DataLoader, Dataset

CLASSES = ["dog", "rooster", "rain", "sea_waves", "crackling_fire", "crying_baby", "clock_tick", "helicopter"]


class ClipSet(Dataset):
    def __init__(self, n, seed, sr=8000, secs=1.0):
        self.n, self.seed, self.len = n, seed, int(sr * secs)
        g = torch.Generator().manual_seed(seed)
        self.labels = torch.randint(0, len(CLASSES), (n,), generator=g)

    def __len__(self):
        return self.n

    def __getitem__(self, i):
        g = torch.Generator().manual_seed(self.seed * 7777 + i)
        y = int(self.labels[i])
        t = torch.arange(self.len) / 8000
        wav = torch.sin(2 * math.pi * (300 + 150 * y) * t) * 0.5 + 0.4 * torch.randn(self.len, generator=g)
        return wav.unsqueeze(0), y


def build_loaders(batch_size, workers=2):
    loaders = {}
    for split, n, seed in [("train", 4000, 0), ("val", 800, 1)]:
        loaders[split] = DataLoader(ClipSet(n, seed), batch_size=batch_size, shuffle=True,
                                    num_workers=workers, drop_last=(split == "train"))
    return loaders


class RawAudioCNN(nn.Module):
    def __init__(self, n_cls=len(CLASSES)):
        super().__init__()
        chans = [1, 32, 64, 64, 128]
        layers = []
        for a, b in zip(chans[:-1], chans[1:]):
            layers += [nn.Conv1d(a, b, 9, stride=2, padding=4), nn.BatchNorm1d(b), nn.ReLU(), nn.MaxPool1d(2)]
        self.features = nn.Sequential(*layers)
        self.fc = nn.Linear(128, n_cls)

    def forward(self, x):
        return self.fc(self.features(x).mean(-1))


@torch.no_grad()
def evaluate(model, loader, device):
    model.eval()
    correct, total = 0, 0
    per_class_hit, per_class_n = Counter(), Counter()
    for x, y in loader:
        pred = model(x.to(device)).argmax(1).cpu()
        correct += (pred == y).sum().item()
        total += len(y)
        for t, p in zip(y.tolist(), pred.tolist()):
            per_class_n[t] += 1
            per_class_hit[t] += int(t == p)
    per_class = {CLASSES[k]: per_class_hit[k] / per_class_n[k] for k in per_class_n}
    return correct / total, per_class


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--epochs", type=int, default=15)
    ap.add_argument("--bs", type=int, default=32)
    ap.add_argument("--lr", type=float, default=1e-3)
    args = ap.parse_args()
    device = "cuda" if torch.cuda.is_available() else "cpu"
    loaders = build_loaders(args.bs)
    model = RawAudioCNN().to(device)
    opt = torch.optim.Adam(model.parameters(), lr=args.lr)
    sched = torch.optim.lr_scheduler.MultiStepLR(opt, milestones=[8, 12], gamma=0.3)
    for epoch in range(args.epochs):
        model.train()
        tot = 0.0
        for x, y in loaders["train"]:
            x, y = x.to(device), y.to(device)
            opt.zero_grad()
            loss = F.cross_entropy(model(x), y)
            loss.backward()
            opt.step()
            tot += loss.item()
        sched.step()
        acc, per_class = evaluate(model, loaders["val"], device)
        worst = min(per_class, key=per_class.get)
        print(f"epoch {epoch} loss {tot / len(loaders['train']):.4f} val_acc {acc:.4f} worst={worst}:{per_class[worst]:.2f}")
    torch.save(model.state_dict(), "esc_cnn.pt")


if __name__ == "__main__":
    main()
