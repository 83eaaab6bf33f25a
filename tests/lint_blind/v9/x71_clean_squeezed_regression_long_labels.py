# expect: clean
# style: multi-output tabular model (regression + classification) in a notebook-like script
# note: the regression head is nn.Linear(..., 1) and the target is 1-D, but the prediction is squeezed to (B,) before the loss; class labels are cast to long before cross_entropy.
import os
import random
import numpy as np
import pandas as pd
import torch
import torch.nn as nn
import torch.nn.functional as F
from torch.utils.data import DataLoader, TensorDataset


def seed_everything(seed: int = 42) -> None:
    """Best-effort reproducibility (cudnn autotuning left on for speed)."""
    random.seed(seed)
    os.environ["PYTHONHASHSEED"] = str(seed)
    torch.manual_seed(seed)
    if torch.cuda.is_available():
        torch.cuda.manual_seed_all(seed)


seed_everything(int(os.environ.get("SEED", 42)))

rng = np.random.default_rng(3)
N = 12000
df = pd.DataFrame(rng.normal(size=(N, 16)), columns=[f"x{i}" for i in range(16)])
df["delivery_minutes"] = 30 + 8 * df["x0"] - 4 * df["x1"] + rng.normal(size=N)
df["late_bucket"] = pd.cut(df["delivery_minutes"], [-np.inf, 25, 35, 45, np.inf], labels=False).astype(float)

X = torch.tensor(df[[f"x{i}" for i in range(16)]].values, dtype=torch.float32)
y_reg = torch.tensor(df["delivery_minutes"].values, dtype=torch.float32)
y_cls = torch.tensor(df["late_bucket"].values).long()
split = int(0.8 * N)
train_dl = DataLoader(TensorDataset(X[:split], y_reg[:split], y_cls[:split]), batch_size=128, shuffle=True)
valid_dl = DataLoader(TensorDataset(X[split:], y_reg[split:], y_cls[split:]), batch_size=512)


class TwoHead(nn.Module):
    def __init__(self):
        super().__init__()
        self.trunk = nn.Sequential(nn.Linear(16, 128), nn.ReLU(), nn.Linear(128, 64), nn.ReLU())
        self.reg = nn.Linear(64, 1)
        self.cls = nn.Linear(64, 4)

    def forward(self, x):
        h = self.trunk(x)
        return self.reg(h).squeeze(-1), self.cls(h)


model = TwoHead()
opt = torch.optim.Adam(model.parameters(), lr=1e-3)
y_mean, y_std = y_reg[:split].mean(), y_reg[:split].std()

for epoch in range(15):
    model.train()
    tr = 0.0
    for xb, rb, cb in train_dl:
        opt.zero_grad()
        pred_reg, logits = model(xb)
        loss = F.mse_loss(pred_reg, (rb - y_mean) / y_std) + 0.5 * F.cross_entropy(logits, cb)
        loss.backward()
        opt.step()
        tr += loss.item()
    model.eval()
    mae, acc, n = 0.0, 0.0, 0
    with torch.no_grad():
        for xb, rb, cb in valid_dl:
            pr, lg = model(xb)
            mae += (pr * y_std + y_mean - rb).abs().sum().item()
            acc += (lg.argmax(1) == cb).sum().item()
            n += len(rb)
    print(f"epoch {epoch:02d} loss {tr / len(train_dl):.4f} MAE {mae / n:.2f} min  bucket acc {acc / n:.3f}")


# ---- per-bucket breakdown on the validation split
model.eval()
bucket_err = {b: [] for b in range(4)}
with torch.no_grad():
    for xb, rb, cb in valid_dl:
        pr, _ = model(xb)
        err = (pr * y_std + y_mean - rb).abs()
        for b in range(4):
            sel = cb == b
            if sel.any():
                bucket_err[b].append(err[sel])
for b, errs in bucket_err.items():
    if errs:
        print(f"bucket {b}: n={sum(len(e) for e in errs)} MAE {torch.cat(errs).mean().item():.2f} min")

torch.save({"model": model.state_dict(), "y_mean": y_mean, "y_std": y_std}, "two_head.pt")
