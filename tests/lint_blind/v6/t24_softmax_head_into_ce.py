# expect: TVL008
# style: Trainer class with model factory, audio genre classification from mel spectrograms
# bug: build_model() ends the classifier with nn.Softmax(dim=1) and the Trainer feeds those probabilities to nn.CrossEntropyLoss, which applies log_softmax again.
import torch
import torch.nn as nn
from torch.utils.data import DataLoader, TensorDataset

GENRES = ["blues", "classical", "country", "disco", "hiphop", "jazz", "metal", "pop", "reggae", "rock"]


def build_model(n_mels=64, n_classes=len(GENRES)):
    return nn.Sequential(
        nn.Conv2d(1, 16, 3, padding=1), nn.BatchNorm2d(16), nn.ReLU(), nn.MaxPool2d(2),
        nn.Conv2d(16, 32, 3, padding=1), nn.BatchNorm2d(32), nn.ReLU(), nn.MaxPool2d(2),
        nn.Conv2d(32, 64, 3, padding=1), nn.BatchNorm2d(64), nn.ReLU(),
        nn.AdaptiveAvgPool2d((1, 1)), nn.Flatten(),
        nn.Linear(64, 128), nn.ReLU(), nn.Dropout(0.3),
        nn.Linear(128, n_classes),
        nn.Softmax(dim=1),
    )


class GenreTrainer:
    def __init__(self, model, lr=1e-3):
        self.model = model
        self.criterion = nn.CrossEntropyLoss()
        self.optimizer = torch.optim.Adam(model.parameters(), lr=lr)

    def step(self, mel, label):
        self.optimizer.zero_grad()
        probs = self.model(mel)
        loss = self.criterion(probs, label)
        loss.backward()
        self.optimizer.step()
        return loss.item(), (probs.argmax(1) == label).float().mean().item()

    def train_epoch(self, loader):
        self.model.train()
        stats = [self.step(m, l) for m, l in loader]
        n = len(stats)
        return sum(s[0] for s in stats) / n, sum(s[1] for s in stats) / n

    @torch.no_grad()
    def evaluate(self, loader):
        self.model.eval()
        confusion = torch.zeros(len(GENRES), len(GENRES), dtype=torch.long)
        for mel, label in loader:
            pred = self.model(mel).argmax(1)
            for t, p in zip(label.tolist(), pred.tolist()):
                confusion[t, p] += 1
        return confusion.diag().sum().item() / confusion.sum().item(), confusion


def synthetic_split(n, n_mels=64, frames=128):
    return TensorDataset(torch.randn(n, 1, n_mels, frames), torch.randint(0, len(GENRES), (n,)))


if __name__ == "__main__":
    train_dl = DataLoader(synthetic_split(800), batch_size=32, shuffle=True)
    test_dl = DataLoader(synthetic_split(200), batch_size=64, shuffle=False)
    trainer = GenreTrainer(build_model())
    for ep in range(20):
        loss, acc = trainer.train_epoch(train_dl)
        test_acc, conf = trainer.evaluate(test_dl)
        print(f"ep {ep:2d} loss {loss:.4f} acc {acc:.3f} test {test_acc:.3f}")
    print(conf)
