# expect: clean
# style: imbalanced fraud detection (tabular) with a WeightedRandomSampler built in a helper, beginner-intermediate script
# note: the training DataLoader has no shuffle=True, but it is given a WeightedRandomSampler, which randomises (and rebalances) the order
import numpy as np
import torch
import torch.nn as nn
from sklearn.metrics import average_precision_score
from torch.utils.data import DataLoader, TensorDataset, WeightedRandomSampler

torch.manual_seed(0)
np.random.seed(0)


def make_data(n, d=30, fraud_rate=0.0017):
    X = np.random.randn(n, d).astype(np.float32)
    y = (np.random.rand(n) < fraud_rate).astype(np.float32)
    X[y == 1, :3] += 2.5
    return X, y


def balanced_sampler(labels):
    labels = np.asarray(labels).astype(int)
    class_counts = np.bincount(labels)
    weights = 1.0 / class_counts[labels]
    return WeightedRandomSampler(torch.as_tensor(weights, dtype=torch.double), num_samples=len(labels), replacement=True)


X_tr, y_tr = make_data(200_000)
X_va, y_va = make_data(40_000)
mu, sd = X_tr.mean(0), X_tr.std(0) + 1e-6
X_tr, X_va = (X_tr - mu) / sd, (X_va - mu) / sd

train_ds = TensorDataset(torch.from_numpy(X_tr), torch.from_numpy(y_tr))
val_ds = TensorDataset(torch.from_numpy(X_va), torch.from_numpy(y_va))
train_loader = DataLoader(train_ds, batch_size=1024, sampler=balanced_sampler(y_tr), num_workers=2)
val_loader = DataLoader(val_ds, batch_size=4096)

model = nn.Sequential(
    nn.Linear(30, 64), nn.ReLU(), nn.Dropout(0.2),
    nn.Linear(64, 32), nn.ReLU(),
    nn.Linear(32, 1),
)
criterion = nn.BCEWithLogitsLoss()
optimizer = torch.optim.Adam(model.parameters(), lr=1e-3)

for epoch in range(10):
    model.train()
    epoch_loss = 0.0
    for xb, yb in train_loader:
        optimizer.zero_grad()
        logits = model(xb).squeeze(1)
        loss = criterion(logits, yb)
        loss.backward()
        optimizer.step()
        epoch_loss += loss.item()

    model.eval()
    scores = []
    with torch.no_grad():
        for xb, _ in val_loader:
            scores.append(torch.sigmoid(model(xb).squeeze(1)).numpy())
    scores = np.concatenate(scores)
    ap = average_precision_score(y_va, scores)
    print(f"epoch {epoch}: train loss {epoch_loss / len(train_loader):.4f}  val AUPRC {ap:.4f}")

torch.save(model.state_dict(), "fraud_mlp.pt")

# ---- pick an operating threshold on the (unshuffled) validation set ----
# val_loader keeps the dataset order, so `scores` lines up with y_va row by row
best_f1, best_thr = 0.0, 0.5
for thr in np.linspace(0.05, 0.95, 19):
    pred = scores >= thr
    tp = np.sum(pred & (y_va == 1))
    fp = np.sum(pred & (y_va == 0))
    fn = np.sum(~pred & (y_va == 1))
    f1 = 2 * tp / max(2 * tp + fp + fn, 1)
    if f1 > best_f1:
        best_f1, best_thr = f1, thr
print(f"best threshold {best_thr:.2f} -> F1 {best_f1:.4f}")

pred = scores >= best_thr
print("confusion matrix [tn fp; fn tp]:")
print(np.array([[np.sum(~pred & (y_va == 0)), np.sum(pred & (y_va == 0))],
                [np.sum(~pred & (y_va == 1)), np.sum(pred & (y_va == 1))]]))
torch.save({"model": model.state_dict(), "threshold": float(best_thr), "mu": mu, "sd": sd}, "fraud_mlp_full.pt")
