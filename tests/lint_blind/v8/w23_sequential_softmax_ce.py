# expect: TVL008
# style: course project, tabular intrusion-detection classifier built with nn.Sequential, criterion defined far from model
# bug: the model ends with nn.Softmax(dim=1) and its output is fed to nn.CrossEntropyLoss, which applies log_softmax again
import argparse
import collections

import numpy as np
import torch
import torch.nn as nn
from torch.utils.data import DataLoader, TensorDataset

ATTACK_TYPES = ["normal", "dos", "probe", "r2l", "u2r"]


def build_model(n_features, n_classes, hidden=256, dropout=0.3):
    return nn.Sequential(
        nn.Linear(n_features, hidden),
        nn.BatchNorm1d(hidden),
        nn.ReLU(),
        nn.Dropout(dropout),
        nn.Linear(hidden, hidden // 2),
        nn.BatchNorm1d(hidden // 2),
        nn.ReLU(),
        nn.Dropout(dropout),
        nn.Linear(hidden // 2, n_classes),
        nn.Softmax(dim=1),
    )


def load_kdd_like(n, n_features=41, seed=0):
    rng = np.random.default_rng(seed)
    y = rng.choice(len(ATTACK_TYPES), size=n, p=[0.55, 0.3, 0.1, 0.04, 0.01])
    centers = rng.normal(size=(len(ATTACK_TYPES), n_features)) * 2
    x = centers[y] + rng.normal(size=(n, n_features))
    return torch.tensor(x, dtype=torch.float32), torch.tensor(y, dtype=torch.long)


def class_weights(y, n_classes):
    counts = torch.bincount(y, minlength=n_classes).float()
    w = counts.sum() / (counts + 1.0)
    return w / w.mean()


def confusion(preds, target, n):
    m = torch.zeros(n, n, dtype=torch.long)
    for t, p in zip(target.tolist(), preds.tolist()):
        m[t, p] += 1
    return m


def main():
    ap = argparse.ArgumentParser(description="NSL-KDD style intrusion detection")
    ap.add_argument("--epochs", type=int, default=25)
    ap.add_argument("--batch", type=int, default=512)
    ap.add_argument("--lr", type=float, default=1e-3)
    args = ap.parse_args()

    x_tr, y_tr = load_kdd_like(40000)
    x_te, y_te = load_kdd_like(8000, seed=3)
    mu, sd = x_tr.mean(0), x_tr.std(0) + 1e-6
    x_tr, x_te = (x_tr - mu) / sd, (x_te - mu) / sd
    print("train class counts:", collections.Counter(y_tr.tolist()))

    train_loader = DataLoader(TensorDataset(x_tr, y_tr), batch_size=args.batch, shuffle=True)
    test_loader = DataLoader(TensorDataset(x_te, y_te), batch_size=2048)

    model = build_model(x_tr.shape[1], len(ATTACK_TYPES))
    optimizer = torch.optim.Adam(model.parameters(), lr=args.lr)

    # ... weights because u2r/r2l are rare
    criterion = nn.CrossEntropyLoss(weight=class_weights(y_tr, len(ATTACK_TYPES)))

    for epoch in range(args.epochs):
        model.train()
        loss_sum = 0.0
        for xb, yb in train_loader:
            optimizer.zero_grad()
            probs = model(xb)
            loss = criterion(probs, yb)
            loss.backward()
            optimizer.step()
            loss_sum += loss.item() * len(yb)
        model.eval()
        all_p = []
        with torch.no_grad():
            for xb, _ in test_loader:
                all_p.append(model(xb).argmax(1))
        preds = torch.cat(all_p)
        acc = (preds == y_te).float().mean().item()
        print(f"epoch {epoch + 1:2d} loss {loss_sum / len(y_tr):.4f} test acc {acc:.4f}")

    cm = confusion(preds, y_te, len(ATTACK_TYPES))
    for i, name in enumerate(ATTACK_TYPES):
        recall = cm[i, i].item() / max(cm[i].sum().item(), 1)
        print(f"{name:>7}: recall {recall:.3f}")
    torch.save(model.state_dict(), "ids_mlp.pt")


if __name__ == "__main__":
    main()
