# expect: TVL009
# style: beginner notebook export, tabular multi-class (forest cover type) from a float numpy array
# bug: class labels are taken from a float32 array and passed to F.cross_entropy as float class indices.
# In[1]:
import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F
from torch.utils.data import DataLoader, TensorDataset

# In[2]:
# the csv has already been converted to one float matrix; last column = Cover_Type (0..6)
rng = np.random.default_rng(11)
raw = rng.normal(size=(15000, 55)).astype(np.float32)
raw[:, -1] = rng.integers(0, 7, size=15000).astype(np.float32)

features = raw[:, :-1]
target = raw[:, -1]
features = (features - features.mean(0)) / (features.std(0) + 1e-6)

# In[3]:
X_train = torch.tensor(features[:12000])
y_train = torch.tensor(target[:12000])
X_val = torch.tensor(features[12000:])
y_val = torch.tensor(target[12000:])

train_loader = DataLoader(TensorDataset(X_train, y_train), batch_size=256, shuffle=True)
val_loader = DataLoader(TensorDataset(X_val, y_val), batch_size=1024)

# In[4]:
net = nn.Sequential(
    nn.Linear(54, 256), nn.BatchNorm1d(256), nn.ReLU(), nn.Dropout(0.2),
    nn.Linear(256, 128), nn.BatchNorm1d(128), nn.ReLU(), nn.Dropout(0.2),
    nn.Linear(128, 7),
)
opt = torch.optim.Adam(net.parameters(), lr=2e-3)

# In[5]:
for epoch in range(15):
    net.train()
    running = 0.0
    for xb, yb in train_loader:
        opt.zero_grad()
        logits = net(xb)
        loss = F.cross_entropy(logits, yb)
        loss.backward()
        opt.step()
        running += loss.item()

    net.eval()
    correct = 0
    with torch.no_grad():
        for xb, yb in val_loader:
            correct += (net(xb).argmax(1).float() == yb).sum().item()
    print(f"epoch {epoch}: loss {running / len(train_loader):.4f}  val acc {correct / len(y_val):.4f}")

# In[6]:
torch.save(net.state_dict(), "covertype_mlp.pt")
print("saved")
print("class balance", np.bincount(target.astype(np.int64), minlength=7) / len(target))
