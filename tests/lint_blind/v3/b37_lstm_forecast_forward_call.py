# expect: TVL013
# style: Kaggle time-series kernel (sales forecasting, seq2one GRU, train/valid loop with early stopping)
# bug: the training loop calls model.forward(x) directly instead of model(x), bypassing module hooks
import copy

import numpy as np
import torch
import torch.nn as nn
from torch.utils.data import DataLoader, TensorDataset

SEQ_LEN, N_FEATS, EPOCHS, PATIENCE = 28, 6, 50, 5


class SalesGRU(nn.Module):
    def __init__(self, n_feats, hidden=64):
        super().__init__()
        self.gru = nn.GRU(n_feats, hidden, num_layers=2, batch_first=True, dropout=0.2)
        self.head = nn.Sequential(nn.Linear(hidden, 32), nn.ReLU(), nn.Linear(32, 1))

    def forward(self, x):
        out, _ = self.gru(x)
        return self.head(out[:, -1]).squeeze(-1)


def make_windows(arr, seq_len):
    xs = np.stack([arr[i:i + seq_len] for i in range(len(arr) - seq_len)])
    ys = arr[seq_len:, 0]
    return torch.tensor(xs, dtype=torch.float32), torch.tensor(ys, dtype=torch.float32)


def main():
    raw = np.random.rand(3000, N_FEATS).astype(np.float32)
    x, y = make_windows(raw, SEQ_LEN)
    split = int(len(x) * 0.8)
    train_loader = DataLoader(TensorDataset(x[:split], y[:split]), batch_size=128, shuffle=True)
    valid_loader = DataLoader(TensorDataset(x[split:], y[split:]), batch_size=256, shuffle=False)
    model = SalesGRU(N_FEATS)
    optimizer = torch.optim.Adam(model.parameters(), lr=1e-3)
    criterion = nn.HuberLoss(delta=1.0)
    best_loss, best_state, bad_epochs = float("inf"), None, 0
    for epoch in range(EPOCHS):
        model.train()
        tr_losses = []
        for xb, yb in train_loader:
            optimizer.zero_grad()
            pred = model.forward(xb)
            loss = criterion(pred, yb)
            loss.backward()
            optimizer.step()
            tr_losses.append(loss.item())
        model.eval()
        with torch.no_grad():
            va_loss = np.mean([criterion(model(xb), yb).item() for xb, yb in valid_loader])
        print(f"Epoch {epoch:02d} | train {np.mean(tr_losses):.5f} | valid {va_loss:.5f}")
        if va_loss < best_loss:
            best_loss, best_state, bad_epochs = va_loss, copy.deepcopy(model.state_dict()), 0
        else:
            bad_epochs += 1
            if bad_epochs >= PATIENCE:
                print("Early stopping")
                break
    model.load_state_dict(best_state)


if __name__ == "__main__":
    main()
