# expect: TVL009
# One `run_pass` helper serves both the fitting and the held-out loader. The targets are a linear
# function of numpy Generator draws plus noise (1-D), the head ends in Linear(16, 1): (B, 1) vs (B,).
import numpy as np
import torch
from torch import nn
from torch.utils.data import DataLoader, Dataset


class Synthetic(Dataset):
    def __init__(self, count, seed):
        gen = np.random.RandomState(seed)
        self.feats = gen.uniform(-1.0, 1.0, (count, 6)).astype(np.float32)
        beta = gen.normal(0.0, 1.0, 6)
        self.y = (self.feats @ beta + gen.normal(0.0, 0.5, count)).astype(np.float32)

    def __len__(self):
        return len(self.y)

    def __getitem__(self, i):
        return self.feats[i], self.y[i]


net = nn.Sequential(nn.Linear(6, 16), nn.Tanh(), nn.Linear(16, 1))
loss_fn = nn.MSELoss()


def run_pass(dl, opt=None):
    total = 0.0
    for xb, yb in dl:
        loss = loss_fn(net(xb), yb)
        if opt is not None:
            opt.zero_grad()
            loss.backward()
            opt.step()
        total += loss.item()
    return total / len(dl)


fit_dl = DataLoader(Synthetic(2048, 1), batch_size=128, shuffle=True)
holdout_dl = DataLoader(Synthetic(512, 2), batch_size=512)
sgd = torch.optim.SGD(net.parameters(), lr=0.05)
for round_ in range(20):
    print(round_, run_pass(fit_dl, sgd), run_pass(holdout_dl))
