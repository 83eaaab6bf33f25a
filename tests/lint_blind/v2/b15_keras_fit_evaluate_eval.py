# expect: TVL004
# style: Keras-to-PyTorch port exposing model.fit(..., validation_data=...) / model.evaluate()
# bug: evaluate() switches to eval(); fit() only calls self.train() once before the epoch loop, so epochs after the first validation train in eval mode
import argparse

import torch
import torch.nn as nn
import torch.nn.functional as F
from torch.utils.data import DataLoader, TensorDataset


class KerasLikeModel(nn.Module):
    def __init__(self, n_in=32, n_out=3):
        super().__init__()
        self.hidden = nn.Linear(n_in, 64)
        self.bn = nn.BatchNorm1d(64)
        self.drop = nn.Dropout(0.3)
        self.out = nn.Linear(64, n_out)
        self.optimizer = None

    def forward(self, x):
        return self.out(self.drop(F.relu(self.bn(self.hidden(x)))))

    def compile(self, lr=1e-3):
        self.optimizer = torch.optim.RMSprop(self.parameters(), lr=lr)

    @torch.no_grad()
    def evaluate(self, loader):
        self.eval()
        loss, acc, n = 0.0, 0, 0
        for x, y in loader:
            logits = self(x)
            loss += F.cross_entropy(logits, y, reduction="sum").item()
            acc += (logits.argmax(1) == y).sum().item()
            n += y.numel()
        return loss / n, acc / n

    def fit(self, train_loader, epochs=10, validation_data=None):
        self.train()
        for epoch in range(epochs):
            for x, y in train_loader:
                loss = F.cross_entropy(self(x), y)
                self.optimizer.zero_grad()
                loss.backward()
                self.optimizer.step()
            msg = f"Epoch {epoch + 1}/{epochs} - loss: {loss.item():.4f}"
            if validation_data is not None:
                vl, va = self.evaluate(validation_data)
                msg += f" - val_loss: {vl:.4f} - val_accuracy: {va:.4f}"
            print(msg)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--epochs", type=int, default=10)
    args = ap.parse_args()
    tr = TensorDataset(torch.randn(1200, 32), torch.randint(0, 3, (1200,)))
    va = TensorDataset(torch.randn(300, 32), torch.randint(0, 3, (300,)))
    model = KerasLikeModel()
    model.compile(lr=1e-3)
    model.fit(DataLoader(tr, batch_size=32, shuffle=True), epochs=args.epochs,
              validation_data=DataLoader(va, batch_size=128))


if __name__ == "__main__":
    main()
