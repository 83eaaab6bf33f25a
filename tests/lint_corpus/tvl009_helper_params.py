# expect: TVL009
# A Keras-to-PyTorch port: the model, loader and loss reach a run_epoch helper as arguments;
# the head ends in Linear(32, 1) and the Dataset's targets are 1-D, so MSE broadcasts (B, B).
import numpy as np
import torch
import torch.nn as nn
from torch.utils.data import DataLoader, Dataset


class ArrayDS(Dataset):
    def __init__(self, feats, target):
        self.feats = torch.as_tensor(feats, dtype=torch.float32)
        self.target = torch.as_tensor(target, dtype=torch.float32)

    def __len__(self):
        return len(self.target)

    def __getitem__(self, k):
        return self.feats[k], self.target[k]


class Regressor(nn.Module):
    def __init__(self, d):
        super().__init__()
        self.body = nn.Sequential(nn.Linear(d, 32), nn.Tanh(), nn.Linear(32, 1), nn.Dropout(0.0))

    def forward(self, x):
        return self.body(x)


def run_epoch(net, dl, loss_fn, opt):
    for xb, yb in dl:
        opt.zero_grad()
        loss = loss_fn(net(xb), yb)
        loss.backward()
        opt.step()


gen = np.random.default_rng(0)
X = gen.normal(size=(500, 8))
t = 2.0 * X[:, 1] + gen.normal(size=500)
reg = Regressor(8)
run_epoch(reg, DataLoader(ArrayDS(X, t), batch_size=50, shuffle=True), nn.MSELoss(), torch.optim.SGD(reg.parameters(), lr=0.01))
