# expect: TVL008
# style: torchaudio environmental-sound classification (ESC-50-like) with Trainer class
# bug: AudioCNN.forward ends in softmax, and the Trainer feeds those probabilities to nn.CrossEntropyLoss
import argparse

import torch
import torch.nn as nn
import torch.nn.functional as F
from torch.utils.data import DataLoader, TensorDataset


class AudioCNN(nn.Module):
    def __init__(self, n_classes=50):
        super().__init__()
        self.features = nn.Sequential(
            nn.Conv2d(1, 32, 3, padding=1), nn.BatchNorm2d(32), nn.ReLU(), nn.MaxPool2d(2),
            nn.Conv2d(32, 64, 3, padding=1), nn.BatchNorm2d(64), nn.ReLU(), nn.MaxPool2d(2))
        self.fc = nn.Linear(64, n_classes)

    def forward(self, spec):
        h = self.features(spec).mean(dim=(2, 3))
        return F.softmax(self.fc(h), dim=-1)


class Trainer:
    def __init__(self, model, lr, device):
        self.model = model.to(device)
        self.device = device
        self.criterion = nn.CrossEntropyLoss()
        self.optimizer = torch.optim.Adam(model.parameters(), lr=lr)

    def train_epoch(self, loader):
        self.model.train()
        running = 0.0
        for spec, label in loader:
            spec, label = spec.to(self.device), label.to(self.device)
            out = self.model(spec)
            loss = self.criterion(out, label)
            self.optimizer.zero_grad()
            loss.backward()
            self.optimizer.step()
            running += loss.item()
        return running / len(loader)

    @torch.no_grad()
    def evaluate(self, loader):
        self.model.eval()
        hits = n = 0
        for spec, label in loader:
            pred = self.model(spec.to(self.device)).argmax(-1).cpu()
            hits += (pred == label).sum().item()
            n += label.numel()
        return hits / n


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--epochs", type=int, default=30)
    parser.add_argument("--lr", type=float, default=1e-3)
    args = parser.parse_args()
    device = "cuda" if torch.cuda.is_available() else "cpu"
    tr = TensorDataset(torch.randn(400, 1, 64, 216), torch.randint(0, 50, (400,)))
    te = TensorDataset(torch.randn(100, 1, 64, 216), torch.randint(0, 50, (100,)))
    trainer = Trainer(AudioCNN(), args.lr, device)
    for epoch in range(args.epochs):
        loss = trainer.train_epoch(DataLoader(tr, batch_size=32, shuffle=True))
        acc = trainer.evaluate(DataLoader(te, batch_size=64))
        print(f"Epoch {epoch}: loss {loss:.4f} fold acc {acc:.3f}")


if __name__ == "__main__":
    main()
