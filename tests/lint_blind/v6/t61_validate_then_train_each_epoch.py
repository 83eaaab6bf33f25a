# expect: clean
# style: research repo with argparse and separate train/validate functions, speaker identification on x-vector-like features
# note: validate() leaves the model in eval mode, but train_one_epoch() calls model.train() as its first statement, so every epoch trains in training mode.
import argparse

import torch
import torch.nn as nn
import torch.nn.functional as F
from torch.utils.data import DataLoader, TensorDataset


class TDNN(nn.Module):
    def __init__(self, feat_dim=30, n_speakers=200, emb=256):
        super().__init__()
        self.frame = nn.Sequential(
            nn.Conv1d(feat_dim, 256, 5, dilation=1), nn.ReLU(), nn.BatchNorm1d(256),
            nn.Conv1d(256, 256, 3, dilation=2), nn.ReLU(), nn.BatchNorm1d(256),
            nn.Conv1d(256, 256, 3, dilation=3), nn.ReLU(), nn.BatchNorm1d(256),
        )
        self.segment = nn.Sequential(nn.Linear(512, emb), nn.ReLU(), nn.BatchNorm1d(emb), nn.Dropout(0.2))
        self.classifier = nn.Linear(emb, n_speakers)

    def forward(self, x):
        h = self.frame(x)
        stats = torch.cat([h.mean(-1), h.std(-1)], dim=1)
        return self.classifier(self.segment(stats))


def train_one_epoch(model, loader, optimizer):
    model.train()
    total, n = 0.0, 0
    for feats, spk in loader:
        optimizer.zero_grad()
        loss = F.cross_entropy(model(feats), spk)
        loss.backward()
        optimizer.step()
        total += loss.item() * spk.size(0)
        n += spk.size(0)
    return total / n


def validate(model, loader):
    model.eval()
    correct, n = 0, 0
    with torch.no_grad():
        for feats, spk in loader:
            correct += (model(feats).argmax(-1) == spk).sum().item()
            n += spk.size(0)
    return correct / n


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--epochs", type=int, default=15)
    ap.add_argument("--lr", type=float, default=1e-3)
    args = ap.parse_args()

    feats = torch.randn(6000, 30, 200)
    spk = torch.randint(0, 200, (6000,))
    train_loader = DataLoader(TensorDataset(feats[:5000], spk[:5000]), batch_size=64, shuffle=True)
    val_loader = DataLoader(TensorDataset(feats[5000:], spk[5000:]), batch_size=256)

    model = TDNN()
    optimizer = torch.optim.Adam(model.parameters(), lr=args.lr, weight_decay=1e-5)
    scheduler = torch.optim.lr_scheduler.ReduceLROnPlateau(optimizer, mode="max", factor=0.5, patience=2)
    for epoch in range(args.epochs):
        loss = train_one_epoch(model, train_loader, optimizer)
        acc = validate(model, val_loader)
        scheduler.step(acc)
        print(f"epoch {epoch} loss {loss:.4f} val_acc {acc:.4f} lr {optimizer.param_groups[0]['lr']:.1e}")


if __name__ == "__main__":
    main()
