# expect: TVL002
# style: Keras-to-PyTorch port with a hand-written fit() loop
# bug: logits are re-wrapped with torch.tensor(..., requires_grad=True), cutting the graph to the model
import argparse

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F
from torch.utils.data import DataLoader, TensorDataset


class Sequential(nn.Module):
    """Mirror of the original keras.Sequential([Dense(128, relu), Dropout, Dense(10)])."""

    def __init__(self, input_dim=784, n_classes=10):
        super().__init__()
        self.dense1 = nn.Linear(input_dim, 128)
        self.dropout = nn.Dropout(0.2)
        self.dense2 = nn.Linear(128, n_classes)

    def forward(self, x):
        return self.dense2(self.dropout(F.relu(self.dense1(x))))


def compile_and_fit(model, x_train, y_train, epochs=5, batch_size=32, lr=1e-3):
    optimizer = torch.optim.Adam(model.parameters(), lr=lr)
    ds = TensorDataset(torch.from_numpy(x_train).float(), torch.from_numpy(y_train).long())
    loader = DataLoader(ds, batch_size=batch_size, shuffle=True)
    history = {"loss": [], "accuracy": []}
    for epoch in range(epochs):
        model.train()
        seen, correct, running = 0, 0, 0.0
        for xb, yb in loader:
            logits = model(xb)
            # keras returned numpy-ish outputs here; the port keeps a float32 copy
            logits = torch.tensor(logits, dtype=torch.float32, requires_grad=True)
            loss = F.cross_entropy(logits, yb)
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
            running += loss.item() * xb.size(0)
            correct += (logits.argmax(1) == yb).sum().item()
            seen += xb.size(0)
        history["loss"].append(running / seen)
        history["accuracy"].append(correct / seen)
        print(f"Epoch {epoch + 1}/{epochs} - loss: {running / seen:.4f} - accuracy: {correct / seen:.4f}")
    return history


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--epochs", type=int, default=5)
    parser.add_argument("--batch_size", type=int, default=32)
    args = parser.parse_args()
    x_train = np.random.rand(6000, 784).astype("float32")
    y_train = np.random.randint(0, 10, size=(6000,))
    model = Sequential()
    compile_and_fit(model, x_train, y_train, epochs=args.epochs, batch_size=args.batch_size)


if __name__ == "__main__":
    main()
