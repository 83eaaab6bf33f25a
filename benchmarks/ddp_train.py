"""A plain DDP training script for the distributed overhead benchmark (no torchvitals import
unless --watch, which wraps the loop in torchvitals.watch(model, optimizer)):
an MLP on synthetic regression data, gloo on CPU. Rank 0 prints one JSON line with the time of
the training loop after a warm-up, so that process start-up and imports are not measured.

    torchrun --standalone --nproc_per_node 2 benchmarks/ddp_train.py --steps 400
"""

import argparse
import json
import time

import torch
import torch.distributed as dist
import torch.nn.functional as F
from torch import nn

parser = argparse.ArgumentParser()
parser.add_argument("--steps", type=int, default=400)
parser.add_argument("--warmup", type=int, default=20)
parser.add_argument("--width", type=int, default=256)
parser.add_argument("--watch", action="store_true")
args = parser.parse_args()

torch.set_num_threads(1)
dist.init_process_group("gloo")
rank = dist.get_rank()
torch.manual_seed(0)
net = nn.Sequential(*[m for _ in range(4) for m in (nn.Linear(args.width, args.width), nn.ReLU())], nn.Linear(args.width, 1))
model = nn.parallel.DistributedDataParallel(net)
opt = torch.optim.AdamW(model.parameters(), lr=1e-3)
gen = torch.Generator().manual_seed(rank)
batches = [torch.randn(64, args.width, generator=gen) for _ in range(16)]

monitor = None
if args.watch:
    import torchvitals

    monitor = torchvitals.watch(model, opt, console=False)
t0 = 0.0
for step in range(args.warmup + args.steps):
    if step == args.warmup:
        t0 = time.perf_counter()
    x = batches[step % len(batches)]
    loss = F.mse_loss(model(x), x[:, :1])
    opt.zero_grad()
    loss.backward()
    opt.step()
loop = time.perf_counter() - t0
if monitor is not None:
    monitor.close()
if rank == 0:
    print(json.dumps({"loop_s": loop, "steps": args.steps}), flush=True)
dist.destroy_process_group()
