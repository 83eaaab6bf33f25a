# expect: TVL009
# style: LSTM time-series forecasting tutorial-style script (sliding windows over a univariate series)
# bug: the head is nn.Linear(hidden, 1) so predictions are (B, 1), while the window dataset returns a scalar target so y is (B,); MSELoss broadcasts to (B, B)
import argparse
import numpy as np
import torch
import torch.nn as nn
from torch.utils.data import DataLoader, Dataset


class WindowDataset(Dataset):
    def __init__(self, series, lookback):
        self.series = torch.as_tensor(series, dtype=torch.float32)
        self.lookback = lookback

    def __len__(self):
        return len(self.series) - self.lookback

    def __getitem__(self, idx):
        x = self.series[idx: idx + self.lookback].unsqueeze(-1)   # (lookback, 1)
        y = self.series[idx + self.lookback]                        # scalar
        return x, y


class LSTMForecaster(nn.Module):
    def __init__(self, hidden_size=64, num_layers=2, dropout=0.1):
        super().__init__()
        self.lstm = nn.LSTM(1, hidden_size, num_layers, batch_first=True, dropout=dropout)
        self.fc = nn.Linear(hidden_size, 1)

    def forward(self, x):
        out, _ = self.lstm(x)
        return self.fc(out[:, -1, :])


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--lookback", type=int, default=48)
    ap.add_argument("--epochs", type=int, default=30)
    ap.add_argument("--batch_size", type=int, default=64)
    args = ap.parse_args()

    t = np.arange(6000)
    series = np.sin(2 * np.pi * t / 24) + 0.3 * np.sin(2 * np.pi * t / 168) + 0.1 * np.random.randn(len(t))
    split = 5000
    train_ds = WindowDataset(series[:split], args.lookback)
    test_ds = WindowDataset(series[split - args.lookback:], args.lookback)
    train_loader = DataLoader(train_ds, batch_size=args.batch_size, shuffle=True)
    test_loader = DataLoader(test_ds, batch_size=256)

    model = LSTMForecaster()
    criterion = nn.MSELoss()
    optimizer = torch.optim.Adam(model.parameters(), lr=1e-3)
    scheduler = torch.optim.lr_scheduler.ReduceLROnPlateau(optimizer, factor=0.5, patience=3)

    for epoch in range(args.epochs):
        model.train()
        train_loss = 0.0
        for x, y in train_loader:
            optimizer.zero_grad()
            loss = criterion(model(x), y)
            loss.backward()
            optimizer.step()
            train_loss += loss.item() * x.size(0)
        model.eval()
        with torch.no_grad():
            test_loss = sum(criterion(model(x), y).item() * x.size(0) for x, y in test_loader) / len(test_ds)
        scheduler.step(test_loss)
        print(f"epoch {epoch:02d} train_mse {train_loss / len(train_ds):.5f} test_mse {test_loss:.5f}")


if __name__ == "__main__":
    main()
