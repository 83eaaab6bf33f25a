# expect: TVL008
# style: course project, audio genre classifier model class whose forward ends in softmax, trained with CrossEntropyLoss
# bug: GenreCNN.forward returns softmax probabilities (handy for the demo predict function) and the training loop feeds them to nn.CrossEntropyLoss, which applies log_softmax again
import argparse
import json

import numpy as np
import torch
import torch.nn as nn
from torch.utils.data import DataLoader, Dataset

GENRES = ["blues", "classical", "country", "disco", "hiphop", "jazz", "metal", "pop", "reggae", "rock"]


class SpectrogramDataset(Dataset):
    def __init__(self, n, n_mels=64, frames=128, seed=0):
        rng = np.random.default_rng(seed)
        self.x = rng.normal(size=(n, 1, n_mels, frames)).astype(np.float32)
        self.y = rng.integers(0, len(GENRES), size=n)

    def __len__(self):
        return len(self.y)

    def __getitem__(self, i):
        return torch.from_numpy(self.x[i]), int(self.y[i])


class GenreCNN(nn.Module):
    def __init__(self, n_classes=len(GENRES)):
        super().__init__()
        self.features = nn.Sequential(
            nn.Conv2d(1, 16, 3, padding=1), nn.BatchNorm2d(16), nn.ReLU(), nn.MaxPool2d(2),
            nn.Conv2d(16, 32, 3, padding=1), nn.BatchNorm2d(32), nn.ReLU(), nn.MaxPool2d(2),
            nn.Conv2d(32, 64, 3, padding=1), nn.BatchNorm2d(64), nn.ReLU(), nn.AdaptiveAvgPool2d((1, 1)))
        self.classifier = nn.Sequential(nn.Flatten(), nn.Dropout(0.3), nn.Linear(64, n_classes))
        self.softmax = nn.Softmax(dim=1)

    def forward(self, x):
        return self.softmax(self.classifier(self.features(x)))


def predict_genre(model, spec):
    model.eval()
    with torch.no_grad():
        probs = model(spec.unsqueeze(0))[0]
    model.train()
    top = probs.topk(3)
    return {GENRES[i]: round(p, 3) for p, i in zip(top.values.tolist(), top.indices.tolist())}


def train(model, loader, val_loader, epochs, lr):
    criterion = nn.CrossEntropyLoss()
    optimizer = torch.optim.Adam(model.parameters(), lr=lr)
    history = []
    for epoch in range(epochs):
        model.train()
        total_loss = 0
        for specs, labels in loader:
            optimizer.zero_grad()
            outputs = model(specs)
            loss = criterion(outputs, labels)
            loss.backward()
            optimizer.step()
            total_loss += loss.item()
        acc = accuracy(model, val_loader)
        history.append({"epoch": epoch, "loss": total_loss / len(loader), "val_acc": acc})
        print(history[-1])
    return history


def accuracy(model, loader):
    model.eval()
    correct = total = 0
    with torch.no_grad():
        for specs, labels in loader:
            correct += (model(specs).argmax(1) == labels).sum().item()
            total += len(labels)
    model.train()
    return correct / total


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description="Music genre classification (final project)")
    parser.add_argument("--epochs", type=int, default=15)
    parser.add_argument("--lr", type=float, default=1e-3)
    args = parser.parse_args()
    train_loader = DataLoader(SpectrogramDataset(1600, seed=0), batch_size=32, shuffle=True)
    val_loader = DataLoader(SpectrogramDataset(400, seed=1), batch_size=64)
    model = GenreCNN()
    hist = train(model, train_loader, val_loader, args.epochs, args.lr)
    print(predict_genre(model, SpectrogramDataset(1, seed=5)[0][0]))
    torch.save(model.state_dict(), "genre_cnn.pt")
    with open("history.json", "w") as f:
        json.dump(hist, f)
