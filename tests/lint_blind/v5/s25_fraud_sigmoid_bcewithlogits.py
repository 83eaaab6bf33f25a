# expect: TVL008
# style: Kaggle credit-card-fraud tabular kernel (pandas-free, numpy arrays, class-imbalance pos_weight)
# bug: the training loop applies torch.sigmoid to the model output and then uses nn.BCEWithLogitsLoss, which applies a sigmoid again
import numpy as np
import torch
import torch.nn as nn
from torch.utils.data import DataLoader, TensorDataset
from sklearn.metrics import roc_auc_score

EPOCHS = 15
BS = 1024
rng = np.random.default_rng(2024)
X = rng.normal(size=(60000, 30)).astype(np.float32)
y = (rng.random(60000) < 0.02).astype(np.float32)
X[y == 1, :4] += 1.5
X_tr, X_va, y_tr, y_va = X[:50000], X[50000:], y[:50000], y[50000:]
mu, sd = X_tr.mean(0), X_tr.std(0) + 1e-6
X_tr, X_va = (X_tr - mu) / sd, (X_va - mu) / sd


class FraudNet(nn.Module):
    def __init__(self, d):
        super().__init__()
        self.layers = nn.Sequential(
            nn.Linear(d, 128), nn.BatchNorm1d(128), nn.LeakyReLU(),
            nn.Dropout(0.3),
            nn.Linear(128, 32), nn.LeakyReLU(),
            nn.Linear(32, 1),
        )

    def forward(self, x):
        return self.layers(x).squeeze(-1)


model = FraudNet(X.shape[1])
pos_weight = torch.tensor((y_tr == 0).sum() / (y_tr == 1).sum())
criterion = nn.BCEWithLogitsLoss(pos_weight=pos_weight)
optimizer = torch.optim.AdamW(model.parameters(), lr=1e-3)
train_dl = DataLoader(TensorDataset(torch.from_numpy(X_tr), torch.from_numpy(y_tr)), batch_size=BS, shuffle=True)
valid_dl = DataLoader(TensorDataset(torch.from_numpy(X_va), torch.from_numpy(y_va)), batch_size=BS)

for epoch in range(EPOCHS):
    model.train()
    epoch_loss = 0.0
    for xb, yb in train_dl:
        probs = torch.sigmoid(model(xb))
        loss = criterion(probs, yb)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        epoch_loss += loss.item() * len(xb)

    model.eval()
    preds = []
    with torch.no_grad():
        for xb, _ in valid_dl:
            preds.append(torch.sigmoid(model(xb)))
    auc = roc_auc_score(y_va, torch.cat(preds).numpy())
    print(f"Epoch {epoch + 1:02d} | loss {epoch_loss / len(X_tr):.4f} | val AUC {auc:.4f}")
