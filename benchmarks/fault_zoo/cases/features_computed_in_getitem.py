# zoo: expect=input-bound
# zoo: source=a field report (dataloader 3050 ms of a 3290 ms step)
"""Fault: a forecaster whose Dataset builds each input window on the fly in __getitem__, with
Python loops computing rolling features (returns, moving averages, volatility) for every item,
in the main process (num_workers=0). The model is tiny, so the loop spends most of its time
waiting for the next batch (input-bound). --fixed: the windows are computed once, vectorised,
and served from a TensorDataset."""

import argparse

import torch
import torch.nn.functional as F
from torch import nn
from torch.utils.data import DataLoader, Dataset, TensorDataset

torch.set_num_threads(1)
parser = argparse.ArgumentParser()
parser.add_argument("--fixed", action="store_true")
args = parser.parse_args()
torch.manual_seed(0)

look_back, n = 32, 640
g = torch.Generator().manual_seed(0)
price = 100 * torch.exp(torch.cumsum(0.01 * torch.randn(n + look_back + 20, generator=g), 0))
target = (price[look_back + 1 : look_back + 1 + n] / price[look_back : look_back + n] - 1) / 0.01


class WindowDataset(Dataset):
    """Each item: the look-back window's features, computed in pure Python per item."""

    def __len__(self) -> int:
        return n

    def __getitem__(self, i: int) -> tuple[torch.Tensor, torch.Tensor]:
        p = price[i : i + look_back + 1].tolist()
        rows = []
        for t in range(1, look_back + 1):
            ret = p[t] / p[t - 1] - 1
            ma = sum(p[max(0, t - 10) : t + 1]) / len(p[max(0, t - 10) : t + 1])
            rets = [p[k] / p[k - 1] - 1 for k in range(max(1, t - 10), t + 1)]
            mean = sum(rets) / len(rets)
            vol = (sum((r - mean) ** 2 for r in rets) / len(rets)) ** 0.5
            rows.append([ret / 0.01, (p[t] / ma - 1) / 0.01, vol / 0.01])
        return torch.tensor(rows), target[i : i + 1]


def all_windows() -> TensorDataset:
    """The same features for every window at once, vectorised."""
    ret = torch.zeros_like(price)
    ret[1:] = price[1:] / price[:-1] - 1
    pad = torch.cat([price[:1].repeat(10), price])
    ma = pad.unfold(0, 11, 1).mean(-1)
    rpad = torch.cat([ret[1:2].repeat(10), ret])
    windows = rpad.unfold(0, 11, 1)
    vol = windows.std(-1, unbiased=False)
    feats = torch.stack([ret / 0.01, (price / ma - 1) / 0.01, vol / 0.01], dim=1)
    xs = torch.stack([feats[i + 1 : i + look_back + 1] for i in range(n)])
    return TensorDataset(xs, target.unsqueeze(1))


dataset = all_windows() if args.fixed else WindowDataset()
train_loader = DataLoader(dataset, batch_size=32, shuffle=True, num_workers=0,
                          generator=torch.Generator().manual_seed(0))
model = nn.Sequential(nn.Flatten(), nn.Linear(look_back * 3, 32), nn.ReLU(), nn.Linear(32, 1))
optimizer = torch.optim.Adam(model.parameters(), lr=1e-3)
for epoch in range(2):
    for xb, yb in train_loader:
        optimizer.zero_grad()
        loss = F.mse_loss(model(xb), yb)
        loss.backward()
        optimizer.step()
    print(f"epoch {epoch + 1}: loss {loss.item():.4f}")
