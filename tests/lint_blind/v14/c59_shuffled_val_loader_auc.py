# expect: clean
# style: tabular credit-default model with a shuffled validation loader
# note: the validation DataLoader has shuffle=True, but predictions and labels are collected from the same batches, and ROC-AUC/log-loss/accuracy do not depend on order
import numpy as np
import torch
import torch.nn as nn
from sklearn.metrics import log_loss, roc_auc_score
from torch.utils.data import DataLoader, TensorDataset

rng = np.random.default_rng(11)
N, D = 40000, 23
X = rng.normal(size=(N, D)).astype(np.float32)
w = rng.normal(size=D)
y = (rng.random(N) < 1 / (1 + np.exp(-(X @ w * 0.4 - 1.2)))).astype(np.float32)

idx = rng.permutation(N)
tr, va = idx[:32000], idx[32000:]
mu, sd = X[tr].mean(0), X[tr].std(0)
X = (X - mu) / sd

train_loader = DataLoader(TensorDataset(torch.from_numpy(X[tr]), torch.from_numpy(y[tr])), batch_size=256, shuffle=True)
# shuffled so the quick mid-epoch check (first 2 batches) sees a random subsample each time
val_loader = DataLoader(TensorDataset(torch.from_numpy(X[va]), torch.from_numpy(y[va])), batch_size=512, shuffle=True)


class Net(nn.Module):
    def __init__(self, d):
        super().__init__()
        self.body = nn.Sequential(nn.Linear(d, 128), nn.SiLU(), nn.Dropout(0.2), nn.Linear(128, 64), nn.SiLU(),
                                  nn.Linear(64, 1))

    def forward(self, x):
        return self.body(x).squeeze(-1)


def evaluate(model, loader, max_batches=None):
    model.eval()
    probs, labels = [], []
    with torch.no_grad():
        for b, (xb, yb) in enumerate(loader):
            if max_batches is not None and b >= max_batches:
                break
            probs.append(torch.sigmoid(model(xb)).numpy())
            labels.append(yb.numpy())
    model.train()
    p, t = np.concatenate(probs), np.concatenate(labels)
    return {"auc": roc_auc_score(t, p), "logloss": log_loss(t, p, labels=[0, 1]), "acc": ((p > 0.5) == t).mean()}


model = Net(D)
opt = torch.optim.Adam(model.parameters(), lr=2e-3)
crit = nn.BCEWithLogitsLoss()

for epoch in range(12):
    model.train()
    for step, (xb, yb) in enumerate(train_loader):
        loss = crit(model(xb), yb)
        opt.zero_grad()
        loss.backward()
        opt.step()
        if step % 50 == 0:
            quick = evaluate(model, val_loader, max_batches=2)     # random subsample each time
            print(f"  epoch {epoch} step {step} loss {loss.item():.4f} quick-auc {quick['auc']:.4f}")
    full = evaluate(model, val_loader)
    print(f"epoch {epoch}: auc {full['auc']:.4f} logloss {full['logloss']:.4f} acc {full['acc']:.4f}")

torch.save(model.state_dict(), "credit_net.pt")
