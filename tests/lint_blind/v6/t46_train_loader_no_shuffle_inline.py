# expect: TVL015
# style: Kaggle kernel, tabular binary classification sorted by date
# bug: the training DataLoader is built without shuffle=True or a sampler, so batches always arrive in the file's (time-sorted) order.
import numpy as np
import torch
import torch.nn as nn
from torch.utils.data import DataLoader, TensorDataset

rng = np.random.default_rng(1)
N, D = 40000, 40
# rows are sorted by transaction date, like the raw competition csv
dates = np.sort(rng.integers(0, 365, N))
X = rng.normal(size=(N, D)).astype(np.float32)
X[:, 0] = dates / 365.0
y = ((X[:, 1] + 0.01 * dates + rng.normal(size=N)) > 2.0).astype(np.float32)

valid_idx = dates >= 330
X_tr, y_tr = X[~valid_idx], y[~valid_idx]
X_va, y_va = X[valid_idx], y[valid_idx]

train_ds = TensorDataset(torch.tensor(X_tr), torch.tensor(y_tr))
valid_ds = TensorDataset(torch.tensor(X_va), torch.tensor(y_va))
train_loader = DataLoader(train_ds, batch_size=512, drop_last=True, num_workers=2)
valid_loader = DataLoader(valid_ds, batch_size=2048, shuffle=False)

model = nn.Sequential(
    nn.Linear(D, 256), nn.SiLU(), nn.BatchNorm1d(256), nn.Dropout(0.2),
    nn.Linear(256, 64), nn.SiLU(),
    nn.Linear(64, 1),
)
criterion = nn.BCEWithLogitsLoss(pos_weight=torch.tensor(3.0))
optimizer = torch.optim.Adam(model.parameters(), lr=1e-3)


def auc(y_true, score):
    order = np.argsort(score)
    ranks = np.empty(len(score)); ranks[order] = np.arange(1, len(score) + 1)
    pos = y_true == 1
    n_pos, n_neg = pos.sum(), (~pos).sum()
    return (ranks[pos].sum() - n_pos * (n_pos + 1) / 2) / max(n_pos * n_neg, 1)


for epoch in range(10):
    model.train()
    losses = []
    for xb, yb in train_loader:
        optimizer.zero_grad()
        logit = model(xb).squeeze(1)
        loss = criterion(logit, yb)
        loss.backward()
        optimizer.step()
        losses.append(loss.item())

    model.eval()
    with torch.no_grad():
        scores = torch.cat([model(xb).squeeze(1) for xb, _ in valid_loader]).numpy()
    print(f"epoch {epoch} loss {np.mean(losses):.4f} valid AUC {auc(y_va, scores):.4f}")

torch.save(model.state_dict(), "mlp_fraud_by_date.pt")
print("positives in train:", int(y_tr.sum()), "valid:", int(y_va.sum()))
print("done")
