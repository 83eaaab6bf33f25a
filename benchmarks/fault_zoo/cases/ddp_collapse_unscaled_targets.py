# zoo: expect=unscaled-targets,prediction-collapse
# zoo: nproc=2
# zoo: single=collapse_unscaled_targets
# zoo: source=a field report (predictions collapsed to constant values), under DDP
"""Fault (DDP, 2 ranks; collapse_unscaled_targets.py as a data-parallel job): a regressor
trained on raw targets (mean ~50). The first SGD steps kill every hidden ReLU on every rank
alike, and the model predicts one constant, the target mean (prediction-collapse). --fixed:
standardised targets."""

import argparse

import torch
import torch.distributed as dist
import torch.nn.functional as F
from torch import nn
from torch.nn.parallel import DistributedDataParallel as DDP

torch.set_num_threads(1)
parser = argparse.ArgumentParser()
parser.add_argument("--fixed", action="store_true")
args = parser.parse_args()
dist.init_process_group("gloo")
rank, world = dist.get_rank(), dist.get_world_size()
torch.manual_seed(0)

g = torch.Generator().manual_seed(0)
x = torch.randn(1024, 16, generator=g)
price = 50 + 10 * (x[:, :1] - 0.5 * x[:, 1:2]) + 3 * torch.randn(1024, 1, generator=g)
mu, sd = price.mean(), price.std()
y = (price - mu) / sd if args.fixed else price  # the bug: raw targets

model = DDP(nn.Sequential(nn.Linear(16, 64), nn.ReLU(), nn.Linear(64, 64), nn.ReLU(), nn.Linear(64, 1)))
optimizer = torch.optim.SGD(model.parameters(), lr=5e-3, momentum=0.9)
for step in range(300):
    i = torch.randint(0, len(x), (64,), generator=g).chunk(world)[rank]  # the one-process batch, split
    optimizer.zero_grad()
    loss = F.mse_loss(model(x[i]), y[i])
    loss.backward()
    optimizer.step()
    if step % 100 == 0 and rank == 0:
        with torch.no_grad():
            print(f"step {step}: loss {loss.item():.4g}, prediction std {model.module(x[:256]).std():.2e}")
dist.destroy_process_group()
