# expect: TVL014
# style: quick fine-tune-and-predict script using sys.argv, tabular fraud model continued from a saved model object
# bug: the script continues training from sys.argv[1] via torch.load(model_path) with no weights_only=True, unpickling whatever file is passed
import sys
import time

import numpy as np
import torch
import torch.nn as nn
from torch.utils.data import DataLoader, TensorDataset


class FraudNet(nn.Module):
    def __init__(self, d_in=30):
        super().__init__()
        self.net = nn.Sequential(nn.Linear(d_in, 128), nn.ReLU(), nn.Dropout(0.2),
                                 nn.Linear(128, 64), nn.ReLU(), nn.Linear(64, 1))

    def forward(self, x):
        return self.net(x).squeeze(-1)


def usage():
    print("usage: python finetune_fraud.py <model.pt> [epochs] [lr]")
    sys.exit(1)


def load_new_month(n=40000, d=30, seed=11):
    rng = np.random.default_rng(seed)
    x = rng.normal(size=(n, d)).astype(np.float32)
    logit = x[:, 0] * 2 - x[:, 3] + 0.5 * x[:, 7] * x[:, 8] - 4
    y = (rng.random(n) < 1 / (1 + np.exp(-logit))).astype(np.float32)
    return torch.from_numpy(x), torch.from_numpy(y)


def precision_at_k(scores, labels, k=200):
    top = torch.topk(scores, k).indices
    return labels[top].mean().item()


if len(sys.argv) < 2:
    usage()
model_path = sys.argv[1]
epochs = int(sys.argv[2]) if len(sys.argv) > 2 else 3
lr = float(sys.argv[3]) if len(sys.argv) > 3 else 1e-4

t0 = time.time()
obj = torch.load(model_path, map_location="cpu")
if isinstance(obj, nn.Module):
    model = obj
else:
    model = FraudNet()
    model.load_state_dict(obj["state_dict"] if "state_dict" in obj else obj)
print(f"loaded {model_path} in {time.time() - t0:.2f}s")

x, y = load_new_month()
n_tr = int(0.8 * len(x))
pos_weight = torch.tensor((y[:n_tr] == 0).sum().item() / max((y[:n_tr] == 1).sum().item(), 1))
train_loader = DataLoader(TensorDataset(x[:n_tr], y[:n_tr]), batch_size=512, shuffle=True)
criterion = nn.BCEWithLogitsLoss(pos_weight=pos_weight)
optimizer = torch.optim.Adam(model.parameters(), lr=lr)

for epoch in range(epochs):
    model.train()
    tot = 0.0
    for xb, yb in train_loader:
        optimizer.zero_grad()
        loss = criterion(model(xb), yb)
        loss.backward()
        optimizer.step()
        tot += loss.item() * len(yb)
    model.eval()
    with torch.no_grad():
        scores = model(x[n_tr:])
    print(f"epoch {epoch} loss {tot / n_tr:.4f} precision@200 {precision_at_k(scores, y[n_tr:]):.3f}")

model.eval()
with torch.no_grad():
    holdout_scores = torch.sigmoid(model(x[n_tr:]))
for thr in (0.3, 0.5, 0.7):
    flagged = holdout_scores > thr
    recall = (flagged & (y[n_tr:] == 1)).sum().item() / max((y[n_tr:] == 1).sum().item(), 1)
    print(f"threshold {thr}: flagged {flagged.float().mean().item():.3%} recall {recall:.3f}")

out_path = model_path.replace(".pt", "_ft.pt")
torch.save({"state_dict": model.state_dict(), "pos_weight": pos_weight.item()}, out_path)
print("saved", out_path)
