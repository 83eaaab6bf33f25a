# expect: clean
# style: hand-written engine with an OpenNMT-like Statistics object and a detached running total; environmental-sound classification on log-mel patches
# note: every accumulation across iterations uses loss.item() or loss.detach(); nothing keeps a graph alive between iterations
import argparse
import torch
import torch.nn as nn
import torch.nn.functional as F
from torch.utils.data import DataLoader, TensorDataset


class Statistics:
    def __init__(self):
        self.loss, self.n_correct, self.n_words = 0.0, 0, 0

    def update(self, loss_value, n_correct, n_words):
        self.loss += loss_value
        self.n_correct += n_correct
        self.n_words += n_words

    def accuracy(self):
        return 100.0 * self.n_correct / max(self.n_words, 1)

    def xent(self):
        return self.loss / max(self.n_words, 1)


class SpecCNN(nn.Module):
    def __init__(self, n_classes=50):
        super().__init__()
        self.f = nn.Sequential(nn.Conv2d(1, 32, 3, padding=1), nn.BatchNorm2d(32), nn.ReLU(), nn.MaxPool2d(2),
                               nn.Conv2d(32, 64, 3, padding=1), nn.BatchNorm2d(64), nn.ReLU(),
                               nn.AdaptiveAvgPool2d(1), nn.Flatten())
        self.fc = nn.Linear(64, n_classes)

    def forward(self, x):
        return self.fc(self.f(x))


def train_epoch(model, loader, optimizer):
    model.train()
    stats = Statistics()
    epoch_loss = torch.zeros(())
    for x, y in loader:
        logits = model(x)
        loss = F.cross_entropy(logits, y, reduction="sum")
        optimizer.zero_grad()
        (loss / y.numel()).backward()
        optimizer.step()
        stats.update(loss.item(), (logits.argmax(1) == y).sum().item(), y.numel())
        epoch_loss += loss.detach()
    return stats, epoch_loss.item() / len(loader.dataset)


if __name__ == "__main__":
    ap = argparse.ArgumentParser()
    ap.add_argument("--epochs", type=int, default=20)
    args = ap.parse_args()
    x, y = torch.randn(3000, 1, 64, 64), torch.randint(0, 50, (3000,))
    loader = DataLoader(TensorDataset(x, y), batch_size=64, shuffle=True)
    model = SpecCNN()
    optimizer = torch.optim.Adam(model.parameters(), lr=1e-3)
    history = []
    for epoch in range(args.epochs):
        stats, mean_loss = train_epoch(model, loader, optimizer)
        history.append(mean_loss)
        print(f"Epoch {epoch}; acc: {stats.accuracy():6.2f}; xent: {stats.xent():6.4f}; mean loss {mean_loss:.4f}")
