# expect: TVL004
# style: shared run_epoch(train=...) helper, tabular churn classification
# bug: run_epoch calls optimizer.step() outside the `if train:` branch, so the validation pass re-applies the last training gradients on every batch.
import numpy as np
import torch
import torch.nn as nn
from torch.utils.data import DataLoader, TensorDataset


def make_data(n=8000, d=30, seed=3):
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n, d)).astype(np.float32)
    logits = X[:, :5].sum(1) - 0.5 * X[:, 5:10].sum(1)
    y = (logits + rng.normal(scale=0.5, size=n) > 0).astype(np.int64)
    return torch.from_numpy(X), torch.from_numpy(y)


class ChurnNet(nn.Module):
    def __init__(self, d, hidden=128):
        super().__init__()
        self.net = nn.Sequential(
            nn.Linear(d, hidden), nn.ReLU(), nn.Dropout(0.3),
            nn.Linear(hidden, hidden), nn.ReLU(), nn.Dropout(0.3),
            nn.Linear(hidden, 2),
        )

    def forward(self, x):
        return self.net(x)


def run_epoch(model, loader, criterion, optimizer, train=True):
    model.train(train)
    total_loss, correct, seen = 0.0, 0, 0
    ctx = torch.enable_grad() if train else torch.no_grad()
    with ctx:
        for xb, yb in loader:
            if train:
                optimizer.zero_grad()
            out = model(xb)
            loss = criterion(out, yb)
            if train:
                loss.backward()
            optimizer.step()
            total_loss += loss.item() * len(yb)
            correct += (out.argmax(1) == yb).sum().item()
            seen += len(yb)
    return total_loss / seen, correct / seen


def main():
    X, y = make_data()
    n_tr = int(0.8 * len(X))
    train_loader = DataLoader(TensorDataset(X[:n_tr], y[:n_tr]), batch_size=128, shuffle=True)
    val_loader = DataLoader(TensorDataset(X[n_tr:], y[n_tr:]), batch_size=512, shuffle=False)

    model = ChurnNet(X.shape[1])
    criterion = nn.CrossEntropyLoss()
    optimizer = torch.optim.AdamW(model.parameters(), lr=1e-3, weight_decay=1e-2)

    history = []
    for epoch in range(25):
        tr_loss, tr_acc = run_epoch(model, train_loader, criterion, optimizer, train=True)
        va_loss, va_acc = run_epoch(model, val_loader, criterion, optimizer, train=False)
        history.append((tr_loss, va_loss, va_acc))
        print(f"{epoch:02d} train {tr_loss:.4f}/{tr_acc:.3f}  val {va_loss:.4f}/{va_acc:.3f}")

    best_epoch = int(np.argmin([h[1] for h in history]))
    print("best val loss at epoch", best_epoch)


if __name__ == "__main__":
    main()
