# expect: TVL015
# style: config-driven research repo (build_dataloaders(cfg) helper returning train/val loaders)
# bug: build_dataloader() takes the split name but never sets shuffle, so the train loader iterates in file order
import argparse

import torch
import torch.nn as nn
import torch.nn.functional as F
from torch.utils.data import DataLoader, Dataset


class AudioClips(Dataset):
    def __init__(self, split, n_per_class=200, n_classes=8):
        g = torch.Generator().manual_seed(0 if split == "train" else 1)
        self.labels = torch.arange(n_classes).repeat_interleave(n_per_class)
        self.clips = torch.randn(len(self.labels), 1, 4000, generator=g) + self.labels[:, None, None] * 0.1

    def __len__(self):
        return len(self.labels)

    def __getitem__(self, i):
        return self.clips[i], self.labels[i]


def build_dataloader(split, batch_size, num_workers=2):
    dataset = AudioClips(split)
    return DataLoader(dataset, batch_size=batch_size, num_workers=num_workers, drop_last=(split == "train"))


class KWSNet(nn.Module):
    def __init__(self, n_classes=8):
        super().__init__()
        self.conv = nn.Sequential(nn.Conv1d(1, 32, 80, 16), nn.BatchNorm1d(32), nn.ReLU(), nn.MaxPool1d(4),
                                  nn.Conv1d(32, 64, 3), nn.BatchNorm1d(64), nn.ReLU(), nn.AdaptiveAvgPool1d(1))
        self.fc = nn.Linear(64, n_classes)

    def forward(self, x):
        return self.fc(self.conv(x).squeeze(-1))


def main(cfg):
    train_loader = build_dataloader("train", cfg.batch_size)
    val_loader = build_dataloader("val", cfg.batch_size)
    model = KWSNet()
    optimizer = torch.optim.Adam(model.parameters(), lr=cfg.lr)
    for epoch in range(cfg.epochs):
        model.train()
        for x, y in train_loader:
            optimizer.zero_grad()
            F.cross_entropy(model(x), y).backward()
            optimizer.step()
        model.eval()
        with torch.no_grad():
            correct = sum((model(x).argmax(1) == y).sum().item() for x, y in val_loader)
        print(f"epoch {epoch}: val acc {correct / len(val_loader.dataset):.3f}")


if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("--batch-size", type=int, default=32)
    parser.add_argument("--lr", type=float, default=1e-3)
    parser.add_argument("--epochs", type=int, default=10)
    main(parser.parse_args())
