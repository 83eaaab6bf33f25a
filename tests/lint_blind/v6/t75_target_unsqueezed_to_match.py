# expect: clean
# style: beginner notebook export, bike-sharing demand regression plus a binary "busy hour" head
# note: both heads output (B, 1) from nn.Linear(..., 1) and the 1-D targets are reshaped with .view(-1, 1) / .unsqueeze(1) before MSE and BCEWithLogits, so no broadcasting happens.
# In[1]:
import numpy as np
import torch
import torch.nn as nn
from torch.utils.data import DataLoader, TensorDataset

rng = np.random.default_rng(8)
hours = rng.integers(0, 24, 17000)
temp = rng.normal(15, 8, 17000)
humidity = rng.uniform(20, 100, 17000)
weekday = rng.integers(0, 7, 17000)
count = np.clip(50 + 10 * np.sin(hours / 24 * 2 * np.pi) * 10 + 3 * temp - 0.5 * humidity + rng.normal(0, 20, 17000), 0, None)

# In[2]:
X = np.stack([np.sin(hours / 24 * 2 * np.pi), np.cos(hours / 24 * 2 * np.pi), temp / 10, humidity / 100, weekday / 6], 1)
X = torch.tensor(X, dtype=torch.float32)
y_count = torch.tensor(np.log1p(count), dtype=torch.float32)          # shape (N,)
y_busy = torch.tensor(count > np.percentile(count, 75), dtype=torch.float32)  # shape (N,)

train_dl = DataLoader(TensorDataset(X[:14000], y_count[:14000], y_busy[:14000]), batch_size=256, shuffle=True)
test_dl = DataLoader(TensorDataset(X[14000:], y_count[14000:], y_busy[14000:]), batch_size=1000)


# In[3]:
class DemandNet(nn.Module):
    def __init__(self):
        super().__init__()
        self.trunk = nn.Sequential(nn.Linear(5, 64), nn.ReLU(), nn.Linear(64, 64), nn.ReLU())
        self.count_head = nn.Linear(64, 1)
        self.busy_head = nn.Linear(64, 1)

    def forward(self, x):
        h = self.trunk(x)
        return self.count_head(h), self.busy_head(h)


model = DemandNet()
mse = nn.MSELoss()
bce = nn.BCEWithLogitsLoss()
opt = torch.optim.Adam(model.parameters(), lr=3e-3)

# In[4]:
for epoch in range(25):
    model.train()
    for xb, cb, bb in train_dl:
        pred_count, busy_logit = model(xb)
        loss = mse(pred_count, cb.view(-1, 1)) + 0.5 * bce(busy_logit, bb.unsqueeze(1))
        opt.zero_grad()
        loss.backward()
        opt.step()

    model.eval()
    with torch.no_grad():
        err, acc, n = 0.0, 0.0, 0
        for xb, cb, bb in test_dl:
            pc, bl = model(xb)
            err += ((pc.view(-1) - cb) ** 2).sum().item()
            acc += ((bl.view(-1) > 0).float() == bb).sum().item()
            n += len(cb)
    if epoch % 5 == 0:
        print(f"epoch {epoch}: test rmsle {np.sqrt(err / n):.4f}  busy acc {acc / n:.3f}")
