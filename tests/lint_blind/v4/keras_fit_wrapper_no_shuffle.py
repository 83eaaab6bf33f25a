# expect: TVL015
# style: Keras-like Sequential.fit(x, y, batch_size, epochs) wrapper written in PyTorch (torchkeras-style)
# bug: KerasModel.fit() wraps (x, y) in a TensorDataset and DataLoader without shuffle=True, so training batches come in the same order every epoch
import argparse

import torch
import torch.nn as nn
from torch.utils.data import DataLoader, TensorDataset


class KerasModel(nn.Module):
    def __init__(self, net):
        super().__init__()
        self.net = net
        self.history = {"loss": [], "acc": []}

    def forward(self, x):
        return self.net(x)

    def compile(self, loss_fn, optimizer_cls, lr):
        self.loss_fn = loss_fn
        self.optimizer = optimizer_cls(self.parameters(), lr=lr)

    def train_on_batch(self, xb, yb):
        self.optimizer.zero_grad()
        out = self(xb)
        loss = self.loss_fn(out, yb)
        loss.backward()
        self.optimizer.step()
        return loss.item(), (out.argmax(1) == yb).float().mean().item()

    def fit(self, x, y, batch_size=32, epochs=1, verbose=1):
        loader = DataLoader(TensorDataset(x, y), batch_size=batch_size)
        for epoch in range(epochs):
            self.train()
            losses, accs = [], []
            for xb, yb in loader:
                l, a = self.train_on_batch(xb, yb)
                losses.append(l)
                accs.append(a)
            self.history["loss"].append(sum(losses) / len(losses))
            self.history["acc"].append(sum(accs) / len(accs))
            if verbose:
                print(f"Epoch {epoch + 1}/{epochs} - loss: {self.history['loss'][-1]:.4f}"
                      f" - acc: {self.history['acc'][-1]:.4f}")
        return self.history


if __name__ == "__main__":
    ap = argparse.ArgumentParser()
    ap.add_argument("--epochs", type=int, default=12)
    ap.add_argument("--batch-size", type=int, default=128)
    args = ap.parse_args()
    x_train = torch.rand(6000, 1, 28, 28)
    y_train = torch.randint(0, 10, (6000,))
    model = KerasModel(nn.Sequential(
        nn.Conv2d(1, 32, 3), nn.ReLU(), nn.Conv2d(32, 64, 3), nn.ReLU(), nn.MaxPool2d(2),
        nn.Dropout(0.25), nn.Flatten(), nn.Linear(64 * 12 * 12, 128), nn.ReLU(), nn.Linear(128, 10)))
    model.compile(nn.CrossEntropyLoss(), torch.optim.Adadelta, lr=1.0)
    model.fit(x_train, y_train, batch_size=args.batch_size, epochs=args.epochs)
