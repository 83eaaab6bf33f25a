# expect: clean
# style: Informer/LSTNet-style forecasting Exp class with ReduceLROnPlateau on the validation loss and EarlyStopping helper
# note: ReduceLROnPlateau is stepped once per epoch with the validation metric after the epoch's optimizer steps; vali() toggles eval and train() re-enters train mode each epoch
import argparse
import numpy as np
import torch
import torch.nn as nn
from torch.utils.data import DataLoader, TensorDataset


class EarlyStopping:
    def __init__(self, patience=3):
        self.patience, self.counter, self.best = patience, 0, np.inf
        self.early_stop = False

    def __call__(self, val_loss):
        if val_loss < self.best:
            self.best, self.counter = val_loss, 0
        else:
            self.counter += 1
            self.early_stop = self.counter >= self.patience


class LSTNetLite(nn.Module):
    def __init__(self, n_vars, hidden=64, horizon=12):
        super().__init__()
        self.conv = nn.Conv1d(n_vars, hidden, kernel_size=6)
        self.gru = nn.GRU(hidden, hidden, batch_first=True)
        self.fc = nn.Linear(hidden, n_vars * horizon)
        self.n_vars, self.horizon = n_vars, horizon

    def forward(self, x):  # x: (B, L, V)
        c = torch.relu(self.conv(x.transpose(1, 2))).transpose(1, 2)
        _, h = self.gru(c)
        return self.fc(h[-1]).view(-1, self.horizon, self.n_vars)


def vali(model, loader, criterion):
    model.eval()
    with torch.no_grad():
        losses = [criterion(model(x), y).item() for x, y in loader]
    return float(np.mean(losses))


if __name__ == "__main__":
    ap = argparse.ArgumentParser()
    ap.add_argument("--train_epochs", type=int, default=30)
    ap.add_argument("--patience", type=int, default=5)
    args = ap.parse_args()
    X, Y = torch.randn(3000, 96, 8), torch.randn(3000, 12, 8)
    train_loader = DataLoader(TensorDataset(X[:2500], Y[:2500]), batch_size=32, shuffle=True)
    vali_loader = DataLoader(TensorDataset(X[2500:], Y[2500:]), batch_size=64, shuffle=False)
    model = LSTNetLite(8)
    optimizer = torch.optim.Adam(model.parameters(), lr=1e-3)
    scheduler = torch.optim.lr_scheduler.ReduceLROnPlateau(optimizer, mode="min", factor=0.5, patience=2)
    criterion, early_stopping = nn.MSELoss(), EarlyStopping(args.patience)
    for epoch in range(args.train_epochs):
        model.train()
        train_loss = []
        for bx, by in train_loader:
            optimizer.zero_grad()
            loss = criterion(model(bx), by)
            loss.backward()
            optimizer.step()
            train_loss.append(loss.item())
        vali_loss = vali(model, vali_loader, criterion)
        scheduler.step(vali_loss)
        print(f"Epoch {epoch + 1}: train {np.average(train_loss):.5f} vali {vali_loss:.5f} lr {optimizer.param_groups[0]['lr']:.2e}")
        early_stopping(vali_loss)
        if early_stopping.early_stop:
            print("Early stopping")
            break
