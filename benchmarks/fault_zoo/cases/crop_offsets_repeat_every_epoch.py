# zoo: expect=repeated-randomness
# zoo: onset=7
# zoo: source=https://zhuanlan.zhihu.com/p/377155682 (worker_init_fn seeding from a fixed seed plus worker_id: the same random values every epoch; see also https://github.com/pytorch/pytorch/pull/56488)
"""Fault: a time-series Dataset takes a random window offset from its own
`np.random.default_rng`, and the worker_init_fn "fixes" the worker duplication by reseeding it
with the worker id. The two workers now differ, but worker k of every epoch (persistent_workers=
False, no shuffling) starts from the same seed, so every series gets exactly the same 'random'
window in every epoch (repeated-randomness).
--fixed: the worker_init_fn seeds from get_worker_info().seed, which torch changes every epoch."""

import argparse

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn
from torch.utils.data import DataLoader, Dataset, get_worker_info

torch.set_num_threads(1)
parser = argparse.ArgumentParser()
parser.add_argument("--fixed", action="store_true")
args = parser.parse_args()
torch.manual_seed(0)

g = torch.Generator().manual_seed(0)
t = torch.linspace(0, 12, 40)
series = torch.sin(t[None, :] * (1 + torch.rand(96, 1, generator=g))) + 0.05 * torch.randn(96, 40, generator=g)
WINDOW = 24


class RandomWindows(Dataset):
    def __init__(self, series: torch.Tensor) -> None:
        self.series = series
        self.rng = np.random.default_rng(0)

    def __len__(self) -> int:
        return len(self.series)

    def __getitem__(self, i: int) -> tuple[torch.Tensor, torch.Tensor]:
        start = int(self.rng.integers(0, self.series.shape[1] - WINDOW))
        w = self.series[i, start:start + WINDOW]
        return w[:-1], w[-1:]


def seed_worker(worker_id: int) -> None:
    info = get_worker_info()
    seed = info.seed % 2**32 if args.fixed else worker_id
    info.dataset.rng = np.random.default_rng(seed)


loader = DataLoader(RandomWindows(series), batch_size=16, num_workers=2, worker_init_fn=seed_worker)
model = nn.Sequential(nn.Linear(WINDOW - 1, 32), nn.Tanh(), nn.Linear(32, 1))
optimizer = torch.optim.Adam(model.parameters(), lr=1e-2)
for epoch in range(2):
    for xb, yb in loader:  # 6 batches per epoch
        optimizer.zero_grad()
        loss = F.mse_loss(model(xb), yb)
        loss.backward()
        optimizer.step()
    print(f"epoch {epoch}: loss {loss.item():.4f}")
