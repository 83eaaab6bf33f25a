# zoo: expect=repeated-randomness
# zoo: source=https://pytorch.org/docs/stable/data.html#randomness-in-multi-process-data-loading (each worker reseeds the global generators only; other generators are to be seeded in worker_init_fn), https://github.com/pytorch/pytorch/issues/5059
"""Fault: a Dataset masks random features (a feature-dropout augmentation) with its own
`torch.Generator`, made and seeded in __init__, and the DataLoader keeps 2 persistent workers:
torch reseeds its global generator in each worker but not a Generator object the Dataset owns, so
both workers draw the same masks (repeated-randomness). Persistent workers do not repeat across
epochs; the two workers still repeat each other.
--fixed: a worker_init_fn reseeds that Generator from the worker's seed (get_worker_info().seed)."""

import argparse

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
x = torch.randn(128, 10, generator=g)
y = x[:, :3].sum(1, keepdim=True) - x[:, 3:5].prod(1, keepdim=True)


class MaskedFeatures(Dataset):
    def __init__(self, x: torch.Tensor, y: torch.Tensor) -> None:
        self.x, self.y = x, y
        self.gen = torch.Generator().manual_seed(1234)

    def __len__(self) -> int:
        return len(self.x)

    def __getitem__(self, i: int) -> tuple[torch.Tensor, torch.Tensor]:
        keep = (torch.rand(self.x.shape[1], generator=self.gen) > 0.1).float()
        return self.x[i] * keep, self.y[i]


def reseed(worker_id: int) -> None:
    info = get_worker_info()
    info.dataset.gen.manual_seed(info.seed)


loader = DataLoader(MaskedFeatures(x, y), batch_size=32, shuffle=True, num_workers=2, persistent_workers=True,
                    worker_init_fn=reseed if args.fixed else None, generator=torch.Generator().manual_seed(0))
model = nn.Sequential(nn.Linear(10, 32), nn.ReLU(), nn.Linear(32, 1))
optimizer = torch.optim.Adam(model.parameters(), lr=1e-2)
for epoch in range(2):
    for xb, yb in loader:  # 4 batches per epoch
        optimizer.zero_grad()
        loss = F.mse_loss(model(xb), yb)
        loss.backward()
        optimizer.step()
    print(f"epoch {epoch}: loss {loss.item():.4f}")
