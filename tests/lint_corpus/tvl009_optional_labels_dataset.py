# expect: TVL009
# A dataset that serves labelled rows for training and bare rows for inference (labels=None);
# the regressor ends in one output unit and the 1-D targets of a shuffled split go to MSE.
import numpy as np
import torch
import torch.nn as nn
from torch.utils.data import DataLoader, Dataset

ROWS, COLS = 900, 12
gen = np.random.default_rng(1)
feats = gen.normal(size=(ROWS, COLS)).astype(np.float32)
weights = gen.normal(size=COLS).astype(np.float32)
target = (feats @ weights + gen.normal(scale=0.5, size=ROWS)).astype(np.float32)
order = gen.permutation(ROWS)
fit_rows = order[:700]


class Rows(Dataset):
    def __init__(self, feats, labels=None):
        self.feats = torch.from_numpy(feats)
        self.labels = torch.from_numpy(labels) if labels is not None else None

    def __len__(self):
        return len(self.feats)

    def __getitem__(self, k):
        if self.labels is None:
            return self.feats[k]
        return self.feats[k], self.labels[k]


fit_loader = DataLoader(Rows(feats[fit_rows], target[fit_rows]), batch_size=50, shuffle=True)
infer_loader = DataLoader(Rows(feats), batch_size=200)
reg = nn.Sequential(nn.Linear(COLS, 32), nn.Tanh(), nn.Linear(32, 1))
mse = nn.MSELoss()
sgd = torch.optim.SGD(reg.parameters(), lr=0.01)
for _ in range(5):
    for xs, ys in fit_loader:
        sgd.zero_grad()
        out = reg(xs)
        mse(out, ys).backward()
        sgd.step()
