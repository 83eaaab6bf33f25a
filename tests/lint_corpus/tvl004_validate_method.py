# expect: TVL004
"""A Trainer class: validate() switches the model to eval(); train_epoch() never switches back."""
import torch
import torch.nn as nn
import torch.nn.functional as F


class Trainer:
    def __init__(self, model, train_loader, val_loader, lr=1e-3):
        self.model = model
        self.train_loader = train_loader
        self.val_loader = val_loader
        self.optimizer = torch.optim.Adam(self.model.parameters(), lr=lr)

    def train_epoch(self):
        total = 0.0
        for x, y in self.train_loader:
            self.optimizer.zero_grad()
            loss = F.cross_entropy(self.model(x), y)
            loss.backward()
            self.optimizer.step()
            total += loss.item()
        return total / len(self.train_loader)

    @torch.no_grad()
    def validate(self):
        self.model.eval()
        correct = 0
        for x, y in self.val_loader:
            correct += (self.model(x).argmax(1) == y).sum().item()
        return correct / len(self.val_loader.dataset)

    def fit(self, epochs):
        for epoch in range(epochs):
            train_loss = self.train_epoch()
            acc = self.validate()
            print(f"epoch {epoch}: loss {train_loss:.3f} acc {acc:.3f}")


if __name__ == "__main__":
    net = nn.Sequential(nn.Linear(20, 64), nn.Dropout(0.2), nn.ReLU(), nn.Linear(64, 2))
    ds = torch.utils.data.TensorDataset(torch.randn(256, 20), torch.randint(0, 2, (256,)))
    loader = torch.utils.data.DataLoader(ds, batch_size=32, shuffle=True)
    Trainer(net, loader, torch.utils.data.DataLoader(ds, batch_size=64)).fit(3)
