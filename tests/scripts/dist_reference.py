"""One model, one data stream, three ways: a single process on the whole batch, or two ranks
under torchrun each on its half, with DistributedDataParallel or FSDP2 (fully_shard). With a
mean loss the gradients the optimizer applies are the same in all three, so torchvitals' global
norms must be too. Plain PyTorch: no torchvitals import.

    python dist_reference.py --mode single
    torchrun --nproc_per_node 2 dist_reference.py --mode ddp|fsdp|hsdp [--clip 0.5]

hsdp: FSDP2 on a 2-D mesh (replicate x shard = 2 x 1), so each shard is held by two ranks.
"""

import argparse

import torch
import torch.distributed as dist
import torch.nn.functional as F
from torch import nn

torch.set_num_threads(1)
parser = argparse.ArgumentParser()
parser.add_argument("--mode", choices=["single", "ddp", "fsdp", "hsdp"], default="single")
parser.add_argument("--steps", type=int, default=8)
parser.add_argument("--clip", type=float, default=0.0)
args = parser.parse_args()

rank, world = 0, 1
if args.mode != "single":
    dist.init_process_group("gloo")
    rank, world = dist.get_rank(), dist.get_world_size()

torch.manual_seed(0)
# Odd sizes: FSDP2 shards dim 0 unevenly, and the last layer's bias leaves rank 1 an empty shard.
net = nn.Sequential(nn.Linear(6, 7), nn.Tanh(), nn.Linear(7, 5), nn.Tanh(), nn.Linear(5, 1))
if args.mode == "ddp":
    model = nn.parallel.DistributedDataParallel(net)
elif args.mode in ("fsdp", "hsdp"):
    from torch.distributed.fsdp import fully_shard

    mesh = None
    if args.mode == "hsdp":  # a 2-D mesh: replicate over 2 ranks, shard over 1 (each holds it all)
        from torch.distributed.device_mesh import init_device_mesh

        mesh = init_device_mesh("cpu", (world, 1), mesh_dim_names=("replicate", "shard"))
    for layer in net:
        if isinstance(layer, nn.Linear):
            fully_shard(layer, mesh=mesh)
    model = fully_shard(net, mesh=mesh)
else:
    model = net
opt = torch.optim.AdamW(model.parameters(), lr=1e-2, weight_decay=0.01)

gen = torch.Generator().manual_seed(1)
batch = 16
for _step in range(args.steps):
    x = torch.randn(batch, 6, generator=gen)
    y = x[:, :1] - 0.5 * x[:, 1:2]
    half = batch // world
    xs, ys = x[rank * half : (rank + 1) * half], y[rank * half : (rank + 1) * half]
    loss = F.mse_loss(model(xs), ys)
    opt.zero_grad()
    loss.backward()
    if args.clip > 0:
        torch.nn.utils.clip_grad_norm_(model.parameters(), args.clip)
    opt.step()

if args.mode != "single":
    dist.destroy_process_group()
