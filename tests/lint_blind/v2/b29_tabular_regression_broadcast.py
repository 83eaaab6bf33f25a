# expect: TVL009
# style: Kaggle house-prices regression kernel with a separate train() function
# bug: HousePriceNet ends in nn.Linear(64, 1) giving (B,1), the target is (B,), and train() feeds both to MSELoss (broadcasts to BxB)
import argparse

import numpy as np
import torch
import torch.nn as nn
from torch.utils.data import DataLoader, Dataset


class HouseDataset(Dataset):
    def __init__(self, X, y):
        self.X = torch.as_tensor(X, dtype=torch.float32)
        self.y = torch.as_tensor(np.log1p(y), dtype=torch.float32)

    def __len__(self):
        return len(self.y)

    def __getitem__(self, idx):
        return self.X[idx], self.y[idx]


class HousePriceNet(nn.Module):
    def __init__(self, n_features):
        super().__init__()
        self.net = nn.Sequential(nn.Linear(n_features, 128), nn.ReLU(), nn.Dropout(0.1),
                                 nn.Linear(128, 64), nn.ReLU())
        self.regressor = nn.Linear(64, 1)

    def forward(self, x):
        return self.regressor(self.net(x))


def train(model, loader, optimizer, criterion, epochs):
    for epoch in range(epochs):
        model.train()
        epoch_loss = 0.0
        for X_batch, y_batch in loader:
            y_pred = model(X_batch)
            loss = criterion(y_pred, y_batch)
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
            epoch_loss += loss.item() * len(y_batch)
        if epoch % 10 == 0:
            print(f"Epoch {epoch:3d}  RMSLE-ish {np.sqrt(epoch_loss / len(loader.dataset)):.4f}")


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--epochs", type=int, default=100)
    parser.add_argument("--lr", type=float, default=1e-3)
    args = parser.parse_args()
    rng = np.random.default_rng(1)
    X = rng.normal(size=(1460, 79))
    y = np.exp(12 + 0.3 * X[:, 0] + 0.1 * rng.normal(size=1460))
    loader = DataLoader(HouseDataset(X, y), batch_size=64, shuffle=True)
    model = HousePriceNet(79)
    optimizer = torch.optim.Adam(model.parameters(), lr=args.lr, weight_decay=1e-4)
    train(model, loader, optimizer, nn.MSELoss(), args.epochs)


if __name__ == "__main__":
    main()
