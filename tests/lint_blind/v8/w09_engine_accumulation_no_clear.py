# expect: TVL003
# style: research engine class with gradient accumulation, speech keyword spotting on log-mel features
# bug: Engine.train_epoch accumulates over `accum_steps` micro-batches and calls optimizer.step(), but gradients are never cleared anywhere, so every step adds on top of all previous gradients
import argparse
import json
import os

import torch
import torch.nn as nn
import torch.nn.functional as F
from torch.utils.data import DataLoader, Dataset


class KWSDataset(Dataset):
    def __init__(self, n, n_mels=40, frames=98, n_classes=12, seed=0):
        g = torch.Generator().manual_seed(seed)
        self.feats = torch.randn(n, 1, n_mels, frames, generator=g)
        self.labels = torch.randint(0, n_classes, (n,), generator=g)

    def __len__(self):
        return len(self.labels)

    def __getitem__(self, i):
        return self.feats[i], self.labels[i]


class DSCNN(nn.Module):
    """Depthwise-separable CNN for keyword spotting."""

    def __init__(self, n_classes=12, ch=64):
        super().__init__()
        self.stem = nn.Sequential(nn.Conv2d(1, ch, (10, 4), stride=(2, 2), padding=(5, 1)),
                                  nn.BatchNorm2d(ch), nn.ReLU())
        blocks = []
        for _ in range(4):
            blocks += [nn.Conv2d(ch, ch, 3, padding=1, groups=ch), nn.BatchNorm2d(ch), nn.ReLU(),
                       nn.Conv2d(ch, ch, 1), nn.BatchNorm2d(ch), nn.ReLU()]
        self.blocks = nn.Sequential(*blocks)
        self.pool = nn.AdaptiveAvgPool2d(1)
        self.fc = nn.Linear(ch, n_classes)

    def forward(self, x):
        return self.fc(self.pool(self.blocks(self.stem(x))).flatten(1))


class Engine:
    def __init__(self, model, optimizer, device, accum_steps=4, clip=5.0):
        self.model = model.to(device)
        self.optimizer = optimizer
        self.device = device
        self.accum_steps = accum_steps
        self.clip = clip
        self.step = 0

    def _loss(self, batch):
        x, y = (t.to(self.device) for t in batch)
        logits = self.model(x)
        return F.cross_entropy(logits, y, label_smoothing=0.1), logits, y

    def train_epoch(self, loader):
        self.model.train()
        tot, n = 0.0, 0
        for i, batch in enumerate(loader):
            loss, _, _ = self._loss(batch)
            (loss / self.accum_steps).backward()
            if (i + 1) % self.accum_steps == 0:
                torch.nn.utils.clip_grad_norm_(self.model.parameters(), self.clip)
                self.optimizer.step()
                self.step += 1
            tot += loss.item()
            n += 1
        return tot / max(n, 1)

    @torch.no_grad()
    def evaluate(self, loader):
        self.model.eval()
        correct = total = 0
        for batch in loader:
            _, logits, y = self._loss(batch)
            correct += (logits.argmax(-1) == y).sum().item()
            total += y.numel()
        return correct / total


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--epochs", type=int, default=30)
    ap.add_argument("--micro-bs", type=int, default=32)
    ap.add_argument("--accum", type=int, default=4)
    ap.add_argument("--lr", type=float, default=3e-3)
    ap.add_argument("--outdir", default="exp/kws")
    args = ap.parse_args()
    os.makedirs(args.outdir, exist_ok=True)

    device = torch.device("cuda" if torch.cuda.is_available() else "cpu")
    train_loader = DataLoader(KWSDataset(6000), batch_size=args.micro_bs, shuffle=True, drop_last=True)
    dev_loader = DataLoader(KWSDataset(800, seed=1), batch_size=256)

    model = DSCNN()
    optimizer = torch.optim.AdamW(model.parameters(), lr=args.lr, weight_decay=1e-2)
    engine = Engine(model, optimizer, device, accum_steps=args.accum)

    log = []
    for epoch in range(args.epochs):
        tr = engine.train_epoch(train_loader)
        acc = engine.evaluate(dev_loader)
        log.append({"epoch": epoch, "train_loss": tr, "dev_acc": acc, "updates": engine.step})
        print(json.dumps(log[-1]))
    with open(os.path.join(args.outdir, "log.json"), "w") as f:
        json.dump(log, f, indent=2)
    torch.save(model.state_dict(), os.path.join(args.outdir, "dscnn.pt"))


if __name__ == "__main__":
    main()
