"""A plain DDP training script for the distributed overhead benchmark (no torchvitals import
unless --watch, which wraps the loop in torchvitals.watch(model, optimizer)):
an MLP on synthetic regression data, gloo on CPU. Rank 0 prints one JSON line with the time of
the training loop after a warm-up, so that process start-up and imports are not measured.

    torchrun --standalone --nproc_per_node 2 benchmarks/ddp_train.py --steps 400

--paired: three copies of the model in one job (plain, plain again as an A/A control, and one
under torchvitals.watch), each wrapped in its own DDP, taking turns step by step in an order
that rotates every step (the same order on every rank, so their all-reduces pair up), built
afresh every --per windows (benchmarks/paired.py, in_placements); rank 0 prints each copy's
seconds per window of 50 iterations.
"""

import argparse
import functools
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
parser.add_argument("--paired", type=int, default=0, metavar="WINDOWS", help="paired mode: this many windows")
parser.add_argument("--per", type=int, default=5, help="paired mode: windows per placement (copies built afresh)")
args = parser.parse_args()

torch.set_num_threads(1)
dist.init_process_group("gloo")
rank = dist.get_rank()
gen = torch.Generator().manual_seed(rank)
batches = [torch.randn(64, args.width, generator=gen) for _ in range(16)]


def build() -> tuple[nn.Module, torch.optim.Optimizer]:
    torch.manual_seed(0)
    layers = [m for _ in range(4) for m in (nn.Linear(args.width, args.width), nn.ReLU())]
    model = nn.parallel.DistributedDataParallel(nn.Sequential(*layers, nn.Linear(args.width, 1)))
    return model, torch.optim.AdamW(model.parameters(), lr=1e-3)


def step(model: nn.Module, opt: torch.optim.Optimizer, i: int) -> None:
    x = batches[i % len(batches)]
    loss = F.mse_loss(model(x), x[:, :1])
    opt.zero_grad()
    loss.backward()
    opt.step()


if args.paired:
    import paired  # benchmarks/paired.py, beside this script

    import torchvitals

    def make(order: list[str]) -> tuple[dict[str, functools.partial], functools.partial]:
        """The copies built in `order` (the same on every rank: DDP's constructor is collective)."""
        loops = {name: build() for name in order}
        monitor = torchvitals.watch(*loops["watch"], console=False)
        for i in range(args.warmup):
            for name in sorted(loops):
                step(*loops[name], i)
        return {k: functools.partial(step, *v) for k, v in loops.items()}, functools.partial(monitor.close)

    cpu: dict[str, list[float]] = {}
    windows = paired.in_placements(make, ["plain", "plain-again", "watch"], args.paired, args.per,
                                   start=args.warmup, cpu=cpu)
    if rank == 0:
        print(json.dumps({"windows_s": windows, "cpu_s": cpu, "per": args.per}), flush=True)
    dist.destroy_process_group()
    raise SystemExit(0)

model, opt = build()

monitor = None
if args.watch:
    import torchvitals

    monitor = torchvitals.watch(model, opt, console=False)
t0 = 0.0
for i in range(args.warmup + args.steps):
    if i == args.warmup:
        t0 = time.perf_counter()
    step(model, opt, i)
loop = time.perf_counter() - t0
if monitor is not None:
    monitor.close()
if rank == 0:
    print(json.dumps({"loop_s": loop, "steps": args.steps}), flush=True)
dist.destroy_process_group()
