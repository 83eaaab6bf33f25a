# expect: clean
# style: Dataset + model + fit() for a house-energy regression, Linear(..., 1) head
# note: the head is nn.Linear(hidden, 1) and the dataset target is 1-D, but forward() squeezes the last dim so MSELoss sees (B,) vs (B,); the eval path does the same
import argparse
import logging

import numpy as np
import torch
import torch.nn as nn
from torch.utils.data import DataLoader, Dataset

log = logging.getLogger("energy")


class EnergyDataset(Dataset):
    def __init__(self, n, seed):
        rng = np.random.default_rng(seed)
        self.x = rng.normal(size=(n, 16)).astype(np.float32)
        self.y = (self.x[:, :4].sum(1) * 3 + 20 + rng.normal(0, 1, n)).astype(np.float32)

    def __len__(self):
        return len(self.y)

    def __getitem__(self, i):
        return torch.from_numpy(self.x[i]), torch.tensor(self.y[i])


class Regressor(nn.Module):
    def __init__(self, d_in=16, hidden=128):
        super().__init__()
        self.body = nn.Sequential(nn.Linear(d_in, hidden), nn.GELU(), nn.Linear(hidden, hidden), nn.GELU())
        self.head = nn.Linear(hidden, 1)

    def forward(self, x):
        return self.head(self.body(x)).squeeze(-1)


def fit(model, train_dl, val_dl, epochs, lr, device):
    crit = nn.MSELoss()
    opt = torch.optim.AdamW(model.parameters(), lr=lr, weight_decay=1e-4)
    sched = torch.optim.lr_scheduler.ExponentialLR(opt, gamma=0.95)
    for ep in range(epochs):
        model.train()
        tot = 0.0
        for x, y in train_dl:
            x, y = x.to(device), y.to(device)
            pred = model(x)
            assert pred.shape == y.shape, (pred.shape, y.shape)
            loss = crit(pred, y)
            opt.zero_grad()
            loss.backward()
            opt.step()
            tot += loss.item() * len(y)
        sched.step()
        model.eval()
        with torch.no_grad():
            mae = sum((model(x.to(device)) - y.to(device)).abs().sum().item() for x, y in val_dl) / len(val_dl.dataset)
        log.info("epoch %d mse %.3f val MAE %.3f lr %.2e", ep, tot / len(train_dl.dataset), mae, sched.get_last_lr()[0])


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--epochs", type=int, default=40)
    ap.add_argument("--lr", type=float, default=3e-3)
    args = ap.parse_args()
    logging.basicConfig(level=logging.INFO)
    dev = torch.device("cuda" if torch.cuda.is_available() else "cpu")
    model = Regressor().to(dev)
    fit(model, DataLoader(EnergyDataset(8000, 0), batch_size=128, shuffle=True),
        DataLoader(EnergyDataset(1000, 1), batch_size=512), args.epochs, args.lr, dev)
    torch.save(model.state_dict(), "energy_reg.pt")


if __name__ == "__main__":
    main()
