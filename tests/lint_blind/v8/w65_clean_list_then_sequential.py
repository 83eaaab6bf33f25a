# expect: clean
# style: beginner-friendly configurable CNN for audio spectrogram tagging, layers collected in a Python list
# note: layers are appended to a plain Python list, which looks like TVL005, but the list is unpacked into nn.Sequential before being stored; the attribute lists that remain (channel sizes, class names) hold no modules or tensors
import argparse
import os

import torch
import torch.nn as nn
import torch.nn.functional as F
from torch.utils.data import DataLoader, TensorDataset

TAGS = ["speech", "music", "dog", "car", "siren", "rain", "birds", "engine"]


class ConfigurableCNN(nn.Module):
    def __init__(self, channels=(1, 32, 64, 128, 256), n_tags=len(TAGS), dropout=0.3):
        super().__init__()
        self.channels = list(channels)
        self.tag_names = list(TAGS)
        layers = []
        for cin, cout in zip(self.channels[:-1], self.channels[1:]):
            layers.append(nn.Conv2d(cin, cout, 3, padding=1, bias=False))
            layers.append(nn.BatchNorm2d(cout))
            layers.append(nn.ReLU(inplace=True))
            layers.append(nn.MaxPool2d(2))
        self.features = nn.Sequential(*layers)
        self.dropout = nn.Dropout(dropout)
        self.classifier = nn.Linear(self.channels[-1], n_tags)

    def forward(self, x):
        x = self.features(x)
        x = torch.amax(x, dim=(2, 3))
        return self.classifier(self.dropout(x))


def lwlrap_proxy(scores, labels):
    """label-weighted ranking precision (rough)."""
    hits, total = 0.0, 0
    for s, l in zip(scores, labels):
        pos = l.nonzero().flatten().tolist()
        order = s.argsort(descending=True).tolist()
        for p in pos:
            rank = order.index(p) + 1
            hits += sum(1 for q in order[:rank] if q in pos) / rank
            total += 1
    return hits / max(total, 1)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--epochs", type=int, default=20)
    ap.add_argument("--lr", type=float, default=1e-3)
    ap.add_argument("--bs", type=int, default=32)
    ap.add_argument("--patience", type=int, default=5)
    ap.add_argument("--ckpt", default="checkpoints/audio_tagger.pt")
    args = ap.parse_args()
    os.makedirs(os.path.dirname(args.ckpt), exist_ok=True)
    device = "cuda" if torch.cuda.is_available() else "cpu"

    spec = torch.randn(2400, 1, 64, 128)
    tags = (torch.rand(2400, len(TAGS)) < 0.2).float()
    train_loader = DataLoader(TensorDataset(spec[:2000], tags[:2000]), batch_size=args.bs, shuffle=True)
    val_loader = DataLoader(TensorDataset(spec[2000:], tags[2000:]), batch_size=64)

    model = ConfigurableCNN().to(device)
    print("trainable params:", sum(p.numel() for p in model.parameters() if p.requires_grad))
    optimizer = torch.optim.Adam(model.parameters(), lr=args.lr)
    scheduler = torch.optim.lr_scheduler.CosineAnnealingLR(optimizer, T_max=args.epochs)

    best_score, bad = 0.0, 0
    for epoch in range(args.epochs):
        model.train()
        run = 0.0
        for x, y in train_loader:
            x, y = x.to(device), y.to(device)
            optimizer.zero_grad()
            loss = F.binary_cross_entropy_with_logits(model(x), y)
            loss.backward()
            optimizer.step()
            run += loss.item()
        scheduler.step()
        model.eval()
        scores, labels = [], []
        with torch.no_grad():
            for x, y in val_loader:
                scores.append(torch.sigmoid(model(x.to(device))).cpu())
                labels.append(y)
        score = lwlrap_proxy(torch.cat(scores), torch.cat(labels))
        print(f"epoch {epoch:02d} bce {run / len(train_loader):.4f} lwlrap~ {score:.4f}")
        if score > best_score:
            best_score, bad = score, 0
            torch.save({"model": model.state_dict(), "channels": model.channels, "tags": model.tag_names,
                        "epoch": epoch, "score": score}, args.ckpt)
        else:
            bad += 1
            if bad >= args.patience:
                print(f"no improvement for {bad} epochs, stopping")
                break
    print(f"best lwlrap~ {best_score:.4f}")


if __name__ == "__main__":
    main()
