# expect: TVL015
# style: beginner notebook export, tabular fraud detection from a label-sorted CSV-like frame
# bug: the training DataLoader has no shuffle=True (and no sampler) even though the frame is sorted by label, so every epoch sees all negatives first and then all positives.
import os
import random
import numpy as np
import pandas as pd
import torch
import torch.nn as nn
from sklearn.metrics import average_precision_score
from sklearn.model_selection import train_test_split
from torch.utils.data import DataLoader, TensorDataset

# In[1]:
rng = np.random.default_rng(0)
n = 20000
df = pd.DataFrame(rng.normal(size=(n, 28)), columns=[f"V{i}" for i in range(1, 29)])
df["Amount"] = rng.exponential(80, n)
df["Class"] = (rng.random(n) < 0.03).astype(int)
df = df.sort_values("Class").reset_index(drop=True)
df.head()

# In[2]:
features = [c for c in df.columns if c != "Class"]
X = df[features].values.astype(np.float32)
X[:, -1] = np.log1p(X[:, -1])
y = df["Class"].values.astype(np.float32)
X_train, X_test, y_train, y_test = train_test_split(X, y, test_size=0.2, stratify=y, random_state=0)
mu, sd = X_train.mean(0), X_train.std(0) + 1e-6
X_train, X_test = (X_train - mu) / sd, (X_test - mu) / sd

# In[3]:
train_ds = TensorDataset(torch.tensor(X_train), torch.tensor(y_train))
test_ds = TensorDataset(torch.tensor(X_test), torch.tensor(y_test))
train_loader = DataLoader(train_ds, batch_size=256)
test_loader = DataLoader(test_ds, batch_size=1024)

# In[4]:
model = nn.Sequential(nn.Linear(29, 64), nn.ReLU(), nn.Dropout(0.2), nn.Linear(64, 32), nn.ReLU(), nn.Linear(32, 1))
pos_weight = torch.tensor((1 - y_train.mean()) / y_train.mean())
criterion = nn.BCEWithLogitsLoss(pos_weight=pos_weight)
optimizer = torch.optim.Adam(model.parameters(), lr=1e-3)

# In[5]:
for epoch in range(10):
    model.train()
    running_loss = 0.0
    for xb, yb in train_loader:
        optimizer.zero_grad()
        out = model(xb).squeeze(1)
        loss = criterion(out, yb)
        loss.backward()
        optimizer.step()
        running_loss += loss.item() * len(xb)
    print(f"Epoch {epoch + 1}: loss = {running_loss / len(train_ds):.4f}")

# In[6]:
model.eval()
scores = []
with torch.no_grad():
    for xb, _ in test_loader:
        scores.append(torch.sigmoid(model(xb).squeeze(1)).numpy())
scores = np.concatenate(scores)
print("Average precision:", average_precision_score(y_test, scores))

# In[7]:
from sklearn.metrics import confusion_matrix, precision_recall_curve


def seed_everything(seed: int = 42) -> None:
    """Best-effort reproducibility (cudnn autotuning left on for speed)."""
    random.seed(seed)
    os.environ["PYTHONHASHSEED"] = str(seed)
    torch.manual_seed(seed)
    if torch.cuda.is_available():
        torch.cuda.manual_seed_all(seed)


seed_everything(int(os.environ.get("SEED", 42)))

precision, recall, thresholds = precision_recall_curve(y_test, scores)
f1 = 2 * precision * recall / (precision + recall + 1e-12)
best = int(np.argmax(f1[:-1]))
thr = thresholds[best]
print(f"best F1 {f1[best]:.4f} at threshold {thr:.3f} (P={precision[best]:.3f}, R={recall[best]:.3f})")
print(confusion_matrix(y_test, (scores >= thr).astype(int)))

# In[8]:
torch.save({"state_dict": model.state_dict(), "mu": mu, "sd": sd, "threshold": float(thr)}, "fraud_mlp.pt")
