# expect: TVL004
# style: Kaggle tabular kernel with a shared run_epoch(train=bool) function
# bug: run_epoch gates backward() on the train flag but calls optimizer.step() unconditionally, so the validation pass also steps the optimizer (re-applying the last training gradients with momentum).
import os
import random
import numpy as np
import torch
import torch.nn as nn
from torch.utils.data import DataLoader, TensorDataset


def seed_everything(seed: int = 42) -> None:
    """Best-effort reproducibility (cudnn autotuning left on for speed)."""
    random.seed(seed)
    os.environ["PYTHONHASHSEED"] = str(seed)
    torch.manual_seed(seed)
    if torch.cuda.is_available():
        torch.cuda.manual_seed_all(seed)


seed_everything(int(os.environ.get("SEED", 42)))

SEED = 2024
torch.manual_seed(SEED)
np.random.seed(SEED)

N_FEATURES = 40
X = np.random.randn(12000, N_FEATURES).astype(np.float32)
y = (X[:, :5].sum(1) + 0.5 * np.random.randn(12000) > 0).astype(np.float32)
idx = np.random.permutation(len(X))
tr_idx, va_idx = idx[:10000], idx[10000:]

train_dl = DataLoader(TensorDataset(torch.from_numpy(X[tr_idx]), torch.from_numpy(y[tr_idx])), batch_size=512, shuffle=True)
valid_dl = DataLoader(TensorDataset(torch.from_numpy(X[va_idx]), torch.from_numpy(y[va_idx])), batch_size=1024)


class TabNetLite(nn.Module):
    def __init__(self, d):
        super().__init__()
        self.bn = nn.BatchNorm1d(d)
        self.body = nn.Sequential(nn.Linear(d, 256), nn.SiLU(), nn.Dropout(0.2), nn.Linear(256, 128), nn.SiLU(), nn.Linear(128, 1))

    def forward(self, x):
        return self.body(self.bn(x)).squeeze(-1)


model = TabNetLite(N_FEATURES)
optimizer = torch.optim.SGD(model.parameters(), lr=0.05, momentum=0.9)
loss_fn = nn.BCEWithLogitsLoss()


def run_epoch(loader, train=True):
    model.train(train)
    losses, preds, targets = [], [], []
    with torch.set_grad_enabled(train):
        for xb, yb in loader:
            if train:
                optimizer.zero_grad()
            logits = model(xb)
            loss = loss_fn(logits, yb)
            if train:
                loss.backward()
            optimizer.step()
            losses.append(loss.item())
            preds.append(torch.sigmoid(logits).detach())
            targets.append(yb)
    p = torch.cat(preds)
    t = torch.cat(targets)
    acc = ((p > 0.5).float() == t).float().mean().item()
    return float(np.mean(losses)), acc


history = []
best_va, best_state = float("inf"), None
for epoch in range(20):
    tr_loss, tr_acc = run_epoch(train_dl, train=True)
    va_loss, va_acc = run_epoch(valid_dl, train=False)
    history.append((tr_loss, va_loss))
    print(f"ep {epoch:02d} train {tr_loss:.4f}/{tr_acc:.3f}  valid {va_loss:.4f}/{va_acc:.3f}")
    if va_loss < best_va:
        best_va = va_loss
        best_state = {k: v.detach().clone() for k, v in model.state_dict().items()}

np.save("history.npy", np.array(history))
print(f"best valid loss {best_va:.4f}")
torch.save(best_state, "tabnetlite_best.pt")
