# expect: TVL004
# style: shared run_epoch(train=bool) helper, tabular churn classification
# bug: run_epoch only zeroes and back-propagates when train=True but calls optimizer.step() unconditionally, so every validation batch re-applies the last training gradient
import numpy as np
import torch
import torch.nn as nn
from sklearn.metrics import roc_auc_score
from torch.utils.data import DataLoader, TensorDataset


def make_churn(n=20000, d=30, seed=0):
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n, d)).astype(np.float32)
    logit = X[:, 0] * 1.5 - X[:, 3] + 0.5 * X[:, 7] * X[:, 8] - 1.0
    y = (rng.random(n) < 1 / (1 + np.exp(-logit))).astype(np.float32)
    return X, y


class ChurnNet(nn.Module):
    def __init__(self, d):
        super().__init__()
        self.net = nn.Sequential(
            nn.Linear(d, 256), nn.BatchNorm1d(256), nn.ReLU(), nn.Dropout(0.3),
            nn.Linear(256, 64), nn.BatchNorm1d(64), nn.ReLU(), nn.Dropout(0.3),
            nn.Linear(64, 1),
        )

    def forward(self, x):
        return self.net(x).squeeze(-1)


def run_epoch(model, loader, criterion, optimizer, train=True):
    model.train(train)
    losses, scores, targets = [], [], []
    with torch.set_grad_enabled(train):
        for xb, yb in loader:
            if train:
                optimizer.zero_grad()
            logits = model(xb)
            loss = criterion(logits, yb)
            if train:
                loss.backward()
            optimizer.step()
            losses.append(loss.item())
            scores.append(torch.sigmoid(logits).detach().numpy())
            targets.append(yb.numpy())
    auc = roc_auc_score(np.concatenate(targets), np.concatenate(scores))
    return float(np.mean(losses)), auc


def main():
    X, y = make_churn()
    split = int(0.8 * len(X))
    train_ds = TensorDataset(torch.from_numpy(X[:split]), torch.from_numpy(y[:split]))
    valid_ds = TensorDataset(torch.from_numpy(X[split:]), torch.from_numpy(y[split:]))
    train_loader = DataLoader(train_ds, batch_size=512, shuffle=True, drop_last=True)
    valid_loader = DataLoader(valid_ds, batch_size=1024)

    model = ChurnNet(X.shape[1])
    pos_weight = torch.tensor((1 - y[:split].mean()) / y[:split].mean())
    criterion = nn.BCEWithLogitsLoss(pos_weight=pos_weight)
    optimizer = torch.optim.Adam(model.parameters(), lr=1e-3)

    best_auc, patience, bad = 0.0, 5, 0
    for epoch in range(40):
        tr_loss, tr_auc = run_epoch(model, train_loader, criterion, optimizer, train=True)
        va_loss, va_auc = run_epoch(model, valid_loader, criterion, optimizer, train=False)
        print(f"{epoch:02d} train {tr_loss:.4f}/{tr_auc:.4f}  valid {va_loss:.4f}/{va_auc:.4f}")
        if va_auc > best_auc:
            best_auc, bad = va_auc, 0
            torch.save(model.state_dict(), "churn_best.pt")
        else:
            bad += 1
            if bad >= patience:
                break
    print("best valid AUC", best_auc)


if __name__ == "__main__":
    main()
