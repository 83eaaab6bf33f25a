# zoo: expect=repeated-randomness
# zoo: source=https://github.com/pytorch/pytorch/issues/5059 (numpy random state duplicated across DataLoader workers)
"""Fault: a Dataset adds random noise (an augmentation) drawn from its own
`np.random.RandomState(0)`, made in __init__, and the DataLoader has num_workers=2 and no
worker_init_fn: each worker gets a copy of the same generator state, so both workers add the same
noise sequence, and every epoch (non-persistent workers) replays it (repeated-randomness).
--fixed: a worker_init_fn reseeds the Dataset's generator from the seed torch gives each worker
(torch.utils.data.get_worker_info().seed, different per worker and per epoch)."""

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
x = torch.randn(128, 8, generator=g)
y = (x[:, :4].sum(1) > 0).long()


class NoisyFeatures(Dataset):
    def __init__(self, x: torch.Tensor, y: torch.Tensor) -> None:
        self.x, self.y = x, y
        self.rng = np.random.RandomState(0)

    def __len__(self) -> int:
        return len(self.x)

    def __getitem__(self, i: int) -> tuple[torch.Tensor, torch.Tensor]:
        noise = torch.from_numpy(self.rng.normal(0.0, 0.1, size=8).astype(np.float32))
        return self.x[i] + noise, self.y[i]


def reseed(worker_id: int) -> None:
    info = get_worker_info()
    info.dataset.rng = np.random.RandomState(info.seed % 2**32)


loader = DataLoader(NoisyFeatures(x, y), batch_size=32, shuffle=True, num_workers=2,
                    worker_init_fn=reseed if args.fixed else None,
                    generator=torch.Generator().manual_seed(0))
model = nn.Sequential(nn.Linear(8, 32), nn.ReLU(), nn.Linear(32, 2))
optimizer = torch.optim.Adam(model.parameters(), lr=1e-2)
for epoch in range(2):
    for xb, yb in loader:  # 4 batches per epoch
        optimizer.zero_grad()
        loss = F.cross_entropy(model(xb), yb)
        loss.backward()
        optimizer.step()
    print(f"epoch {epoch}: loss {loss.item():.4f}")
