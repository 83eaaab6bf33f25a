# expect: TVL009
# style: audio event classification; labels loaded from a CSV-like array as float, collate keeps dtype
# bug: class indices come out of `collate` as a float tensor (np.float32 labels) and are passed to F.cross_entropy as if they were class indices
import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F
from torch.utils.data import DataLoader, Dataset

CLASSES = ["dog_bark", "siren", "drilling", "engine_idling", "jackhammer", "street_music"]


class ClipDataset(Dataset):
    def __init__(self, n=1200, n_mels=64, frames=128):
        self.mels = np.random.randn(n, n_mels, frames).astype(np.float32)
        # metadata table read with a float dtype
        self.meta = np.zeros((n, 2), dtype=np.float32)
        self.meta[:, 0] = np.arange(n)
        self.meta[:, 1] = np.random.randint(0, len(CLASSES), size=n)

    def __len__(self):
        return len(self.meta)

    def __getitem__(self, i):
        return self.mels[i], self.meta[i, 1]


def collate(batch):
    mels = torch.from_numpy(np.stack([b[0] for b in batch])).unsqueeze(1)
    labels = torch.from_numpy(np.array([b[1] for b in batch]))
    return mels, labels


class AudioCNN(nn.Module):
    def __init__(self, n_cls=len(CLASSES)):
        super().__init__()
        self.features = nn.Sequential(
            nn.Conv2d(1, 16, 3, padding=1), nn.BatchNorm2d(16), nn.ReLU(), nn.MaxPool2d(2),
            nn.Conv2d(16, 32, 3, padding=1), nn.BatchNorm2d(32), nn.ReLU(), nn.MaxPool2d(2),
            nn.Conv2d(32, 64, 3, padding=1), nn.BatchNorm2d(64), nn.ReLU(),
            nn.AdaptiveAvgPool2d((1, 1)),
        )
        self.fc = nn.Linear(64, n_cls)

    def forward(self, x):
        return self.fc(self.features(x).flatten(1))


def train(model, loader, opt, epochs):
    for ep in range(epochs):
        model.train()
        tot = hit = n = 0
        for mels, labels in loader:
            logits = model(mels)
            loss = F.cross_entropy(logits, labels)
            opt.zero_grad()
            loss.backward()
            opt.step()
            tot += loss.item() * len(labels)
            hit += (logits.argmax(1).float() == labels).sum().item()
            n += len(labels)
        print(f"epoch {ep} loss {tot/n:.4f} acc {hit/n:.4f}")


if __name__ == "__main__":
    loader = DataLoader(ClipDataset(), batch_size=32, shuffle=True, collate_fn=collate)
    model = AudioCNN()
    train(model, loader, torch.optim.Adam(model.parameters(), lr=1e-3), epochs=6)
