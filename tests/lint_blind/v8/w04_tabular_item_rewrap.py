# expect: TVL002
# style: beginner notebook export, tabular churn prediction with pandas-like features
# bug: the loss value is pulled out with .item() and re-wrapped in a fresh tensor with requires_grad=True, so backward never reaches the network
# coding: utf-8
# In[1]:
import numpy as np
import torch
import torch.nn as nn
from torch.utils.data import DataLoader, TensorDataset

torch.manual_seed(0)
np.random.seed(0)

# In[2]:
# synthetic "customers" table: 12 numeric columns, churn label
N = 5000
X = np.random.randn(N, 12).astype(np.float32)
w_true = np.random.randn(12).astype(np.float32)
logits_true = X @ w_true + 0.3 * np.random.randn(N).astype(np.float32)
y = (logits_true > 0.5).astype(np.float32)
print(X.shape, y.mean())

# In[3]:
mean, std = X[:4000].mean(0), X[:4000].std(0) + 1e-6
X = (X - mean) / std
X_train, y_train = torch.tensor(X[:4000]), torch.tensor(y[:4000])
X_val, y_val = torch.tensor(X[4000:]), torch.tensor(y[4000:])

train_dl = DataLoader(TensorDataset(X_train, y_train), batch_size=64, shuffle=True)
val_dl = DataLoader(TensorDataset(X_val, y_val), batch_size=256, shuffle=False)

# In[4]:
class ChurnNet(nn.Module):
    def __init__(self, d_in):
        super().__init__()
        self.body = nn.Sequential(
            nn.Linear(d_in, 64), nn.ReLU(), nn.Dropout(0.1),
            nn.Linear(64, 32), nn.ReLU(),
        )
        self.out = nn.Linear(32, 1)

    def forward(self, x):
        return self.out(self.body(x)).squeeze(-1)


model = ChurnNet(12)
criterion = nn.BCEWithLogitsLoss()
optimizer = torch.optim.Adam(model.parameters(), lr=1e-3)

# In[5]:
def accuracy(logits, target):
    return ((logits > 0).float() == target).float().mean().item()


history = {"train_loss": [], "val_loss": [], "val_acc": []}

# In[6]:
EPOCHS = 15
for epoch in range(EPOCHS):
    model.train()
    epoch_loss = 0.0
    for xb, yb in train_dl:
        optimizer.zero_grad()
        out = model(xb)
        # convert to python float so the progress print below is cheap
        loss_val = criterion(out, yb).item()
        loss = torch.tensor(loss_val, requires_grad=True)
        loss.backward()
        optimizer.step()
        epoch_loss += loss_val * xb.size(0)
    epoch_loss /= len(train_dl.dataset)

    model.eval()
    with torch.no_grad():
        v_loss, v_acc, n = 0.0, 0.0, 0
        for xb, yb in val_dl:
            out = model(xb)
            v_loss += criterion(out, yb).item() * xb.size(0)
            v_acc += accuracy(out, yb) * xb.size(0)
            n += xb.size(0)
    history["train_loss"].append(epoch_loss)
    history["val_loss"].append(v_loss / n)
    history["val_acc"].append(v_acc / n)
    print(f"Epoch {epoch + 1}/{EPOCHS} - loss: {epoch_loss:.4f} - val_loss: {v_loss / n:.4f} - val_acc: {v_acc / n:.4f}")

# In[7]:
best_epoch = int(np.argmin(history["val_loss"]))
print("best epoch", best_epoch + 1, "val_acc", history["val_acc"][best_epoch])
torch.save(model.state_dict(), "churn_model.pt")

# In[8]:
# permutation importance on the validation set
feature_names = [f"f{i:02d}" for i in range(12)]
model.eval()
with torch.no_grad():
    base = criterion(model(X_val), y_val).item()
    importances = {}
    for j, name in enumerate(feature_names):
        Xp = X_val.clone()
        Xp[:, j] = Xp[torch.randperm(len(Xp)), j]
        importances[name] = criterion(model(Xp), y_val).item() - base
for name, imp in sorted(importances.items(), key=lambda kv: -kv[1])[:5]:
    print(f"{name}: +{imp:.4f}")

# In[9]:
# choose a decision threshold for the retention team
with torch.no_grad():
    probs = torch.sigmoid(model(X_val))
for thr in (0.3, 0.4, 0.5, 0.6):
    pred = (probs > thr).float()
    tp = (pred * y_val).sum().item()
    precision = tp / max(pred.sum().item(), 1)
    recall = tp / max(y_val.sum().item(), 1)
    print(f"thr={thr:.1f} precision={precision:.3f} recall={recall:.3f}")
