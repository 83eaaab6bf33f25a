# expect: TVL001
# style: beginner notebook export, tabular churn classifier
# bug: the forward pass is wrapped in torch.no_grad() and the loss is "fixed" with loss.requires_grad = True, so backward never reaches the MLP.
#!/usr/bin/env python
# coding: utf-8

# # Customer churn - simple MLP
# In[1]:
import numpy as np
import pandas as pd
import torch
import torch.nn as nn
from torch.utils.data import DataLoader, TensorDataset

torch.manual_seed(42)
np.random.seed(42)

# In[2]:
n_rows = 5000
df = pd.DataFrame({
    "tenure": np.random.randint(0, 72, n_rows),
    "monthly": np.random.uniform(20, 120, n_rows),
    "contract": np.random.randint(0, 3, n_rows),
    "support_calls": np.random.poisson(1.5, n_rows),
    "senior": np.random.randint(0, 2, n_rows),
})
df["churn"] = ((df.monthly > 80) & (df.tenure < 12) | (df.support_calls > 3)).astype(int)
df.head()

# In[3]:
features = ["tenure", "monthly", "contract", "support_calls", "senior"]
X = df[features].values.astype(np.float32)
X = (X - X.mean(0)) / (X.std(0) + 1e-6)
y = df["churn"].values.astype(np.int64)

split = int(0.8 * n_rows)
X_train, X_val = X[:split], X[split:]
y_train, y_val = y[:split], y[split:]

train_ds = TensorDataset(torch.from_numpy(X_train), torch.from_numpy(y_train))
val_ds = TensorDataset(torch.from_numpy(X_val), torch.from_numpy(y_val))
train_loader = DataLoader(train_ds, batch_size=128, shuffle=True)
val_loader = DataLoader(val_ds, batch_size=512)

# In[4]:
model = nn.Sequential(
    nn.Linear(len(features), 64),
    nn.ReLU(),
    nn.Dropout(0.2),
    nn.Linear(64, 32),
    nn.ReLU(),
    nn.Linear(32, 2),
)
criterion = nn.CrossEntropyLoss()
optimizer = torch.optim.Adam(model.parameters(), lr=1e-3)

# In[5]:
history = {"loss": [], "val_acc": []}
for epoch in range(20):
    model.train()
    epoch_loss = 0.0
    for xb, yb in train_loader:
        optimizer.zero_grad()
        with torch.no_grad():
            out = model(xb)
        loss = criterion(out, yb)
        # got "element 0 of tensors does not require grad" before, this fixes it
        loss.requires_grad = True
        loss.backward()
        optimizer.step()
        epoch_loss += loss.item()
    history["loss"].append(epoch_loss / len(train_loader))

    model.eval()
    correct = 0
    with torch.no_grad():
        for xb, yb in val_loader:
            correct += (model(xb).argmax(1) == yb).sum().item()
    history["val_acc"].append(correct / len(val_ds))
    print(f"epoch {epoch:02d}  loss {history['loss'][-1]:.4f}  val_acc {history['val_acc'][-1]:.3f}")

# In[6]:
import matplotlib.pyplot as plt
fig, ax = plt.subplots(1, 2, figsize=(10, 3))
ax[0].plot(history["loss"]); ax[0].set_title("train loss")
ax[1].plot(history["val_acc"]); ax[1].set_title("val acc")
plt.tight_layout()
plt.savefig("churn_curves.png")

# In[7]:
torch.save(model.state_dict(), "churn_mlp.pt")
