# expect: TVL007
# style: fastai-style one-cycle training, plain script, tabular regression-as-classification (credit rating)
# bug: scheduler.step() is called before optimizer.step() inside the batch loop
import numpy as np
import torch
import torch.nn as nn
from torch.utils.data import DataLoader, TensorDataset

torch.manual_seed(0)
np.random.seed(0)

N, D, K = 30000, 40, 7
X = np.random.randn(N, D).astype(np.float32)
score = X[:, :5].sum(1) + 0.5 * np.random.randn(N)
y = np.digitize(score, np.quantile(score, np.linspace(0, 1, K + 1)[1:-1])).astype(np.int64)

cat_idx = [0, 1, 2]
X[:, cat_idx] = np.round(X[:, cat_idx] * 2)
mean, std = X[:24000].mean(0), X[:24000].std(0) + 1e-6
X = (X - mean) / std

train_dl = DataLoader(TensorDataset(torch.from_numpy(X[:24000]), torch.from_numpy(y[:24000])),
                      batch_size=256, shuffle=True)
valid_dl = DataLoader(TensorDataset(torch.from_numpy(X[24000:]), torch.from_numpy(y[24000:])),
                      batch_size=1024)


class TabMLP(nn.Module):
    def __init__(self, d_in, n_out, sizes=(400, 200), p=0.2):
        super().__init__()
        layers, prev = [nn.BatchNorm1d(d_in)], d_in
        for s in sizes:
            layers += [nn.Linear(prev, s), nn.ReLU(), nn.BatchNorm1d(s), nn.Dropout(p)]
            prev = s
        layers.append(nn.Linear(prev, n_out))
        self.layers = nn.Sequential(*layers)

    def forward(self, x):
        return self.layers(x)


EPOCHS = 8
model = TabMLP(D, K)
opt = torch.optim.AdamW(model.parameters(), lr=1e-3, weight_decay=1e-2)
sched = torch.optim.lr_scheduler.OneCycleLR(opt, max_lr=5e-3, epochs=EPOCHS, steps_per_epoch=len(train_dl),
                                            pct_start=0.25)
loss_fn = nn.CrossEntropyLoss()
lrs = []

for epoch in range(EPOCHS):
    model.train()
    train_loss = 0.0
    for xb, yb in train_dl:
        out = model(xb)
        loss = loss_fn(out, yb)
        opt.zero_grad()
        loss.backward()
        sched.step()
        opt.step()
        lrs.append(sched.get_last_lr()[0])
        train_loss += loss.item() * len(yb)
    model.eval()
    preds, targs = [], []
    with torch.no_grad():
        for xb, yb in valid_dl:
            preds.append(model(xb).argmax(1))
            targs.append(yb)
    preds, targs = torch.cat(preds), torch.cat(targs)
    acc = (preds == targs).float().mean().item()
    within1 = ((preds - targs).abs() <= 1).float().mean().item()
    print(f"epoch {epoch} | train_loss {train_loss / 24000:.4f} | acc {acc:.4f} | within-1 {within1:.4f} | lr {lrs[-1]:.2e}")

np.save("lr_trace.npy", np.array(lrs))
