# expect: TVL013
# style: Kaggle tabular MLP kernel (house-prices style, log-target regression, K-fold)
# bug: the training loop calls model.forward(xb) directly instead of model(xb), bypassing module hooks (here the registered input-clamp forward pre-hook)
import numpy as np
import torch
import torch.nn as nn
from sklearn.model_selection import KFold
from torch.utils.data import DataLoader, TensorDataset

N_FOLDS, EPOCHS, BS, LR = 5, 30, 64, 1e-3


class TabularMLP(nn.Module):
    def __init__(self, n_in, hidden=(256, 128), p=0.2):
        super().__init__()
        layers, d = [], n_in
        for h in hidden:
            layers += [nn.Linear(d, h), nn.BatchNorm1d(h), nn.SiLU(), nn.Dropout(p)]
            d = h
        self.body = nn.Sequential(*layers)
        self.out = nn.Linear(d, 1)
        self.register_forward_pre_hook(lambda m, inp: (inp[0].clamp(-5, 5),))

    def forward(self, x):
        return self.out(self.body(x)).squeeze(-1)


X = np.random.randn(1460, 79).astype(np.float32)
y = np.log1p(np.random.lognormal(12, 0.4, 1460)).astype(np.float32)
oof = np.zeros(len(y), dtype=np.float32)

for fold, (tr_idx, va_idx) in enumerate(KFold(N_FOLDS, shuffle=True, random_state=0).split(X)):
    model = TabularMLP(X.shape[1])
    opt = torch.optim.AdamW(model.parameters(), lr=LR, weight_decay=1e-4)
    tr_dl = DataLoader(TensorDataset(torch.from_numpy(X[tr_idx]), torch.from_numpy(y[tr_idx])),
                       batch_size=BS, shuffle=True, drop_last=True)
    for epoch in range(EPOCHS):
        model.train()
        for xb, yb in tr_dl:
            pred = model.forward(xb)
            loss = nn.functional.mse_loss(pred, yb)
            opt.zero_grad()
            loss.backward()
            opt.step()
    model.eval()
    with torch.no_grad():
        oof[va_idx] = model(torch.from_numpy(X[va_idx])).numpy()
    rmse = float(np.sqrt(np.mean((oof[va_idx] - y[va_idx]) ** 2)))
    print(f"fold {fold}: rmse(log) = {rmse:.4f}")

print("CV rmse:", float(np.sqrt(np.mean((oof - y) ** 2))))
