# expect: clean
# style: notebook-style change detection on satellite image pairs, sigmoid output with nn.BCELoss
# note: the model ends in nn.Sigmoid, which looks like sigmoid-before-BCE-with-logits, but the loss is plain nn.BCELoss that expects probabilities
import matplotlib
matplotlib.use("Agg")
import matplotlib.pyplot as plt
import torch
import torch.nn as nn
from torch.utils.data import DataLoader, TensorDataset

torch.manual_seed(0)

# --- synthetic before/after tiles with a changed square
N, S = 1200, 64
before = torch.rand(N, 3, S, S)
after = before.clone()
mask = torch.zeros(N, 1, S, S)
for i in range(N):
    r, c, k = torch.randint(0, S - 16, (3,)).tolist()
    k = 8 + k % 8
    after[i, :, r:r + k, c:c + k] = torch.rand(3, 1, 1)
    mask[i, :, r:r + k, c:c + k] = 1.0
pairs = torch.cat([before, after], 1)

train_dl = DataLoader(TensorDataset(pairs[:1000], mask[:1000]), batch_size=16, shuffle=True)
val_dl = DataLoader(TensorDataset(pairs[1000:], mask[1000:]), batch_size=50)

# --- early-fusion FCN
model = nn.Sequential(
    nn.Conv2d(6, 32, 3, padding=1), nn.BatchNorm2d(32), nn.ReLU(),
    nn.Conv2d(32, 64, 3, padding=1), nn.BatchNorm2d(64), nn.ReLU(),
    nn.Conv2d(64, 64, 3, padding=2, dilation=2), nn.BatchNorm2d(64), nn.ReLU(),
    nn.Conv2d(64, 1, 1),
    nn.Sigmoid(),
)
loss_fn = nn.BCELoss()
opt = torch.optim.Adam(model.parameters(), lr=1e-3)

# --- train
f1_hist = []
for epoch in range(15):
    model.train()
    for x, m in train_dl:
        prob = model(x)
        loss = loss_fn(prob, m)
        opt.zero_grad()
        loss.backward()
        opt.step()
    model.eval()
    tp = fp = fn = 0
    with torch.no_grad():
        for x, m in val_dl:
            pred = model(x) > 0.5
            tp += (pred & (m > 0.5)).sum().item()
            fp += (pred & (m < 0.5)).sum().item()
            fn += (~pred & (m > 0.5)).sum().item()
    f1 = 2 * tp / max(2 * tp + fp + fn, 1)
    f1_hist.append(f1)
    print(f"epoch {epoch} loss {loss.item():.4f} val F1 {f1:.4f}")

# --- plot
plt.plot(f1_hist)
plt.xlabel("epoch")
plt.ylabel("F1 (changed pixels)")
plt.savefig("change_f1.png")
torch.save(model.state_dict(), "change_fcn.pt")
