"""What an unsampled iteration of a 2-rank DDP job costs under watch(), against the same hooks
doing nothing:

    python benchmarks/ddp_hook_floor.py [--width 256] [--steps 1600]

Launches itself under torchrun (2 ranks, gloo, CPU). In the job four copies of the MLP of
benchmarks/ddp_train.py take turns step by step in an order that rotates every step, a barrier
before every step: plain; plain again (an A/A control); "no-op hooks" (a forward pre- and
post-hook, a tensor hook on every other parameter, optimizer step pre- and post-hooks, all doing
nothing: what torch entering Python costs); and "watched" (torchvitals.watch() with sampling
switched off after the first iteration, so every timed iteration is unsampled). Rank 0 prints,
per copy, the median over iterations of its main thread's CPU time minus the plain copy's.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
WARMUP = 200
COPIES = ("plain", "plain again", "no-op hooks", "watched")


def _job(width: int, steps: int, out: str) -> None:
    import torch
    import torch.distributed as dist
    import torch.nn.functional as F
    from torch import nn

    import torchvitals

    torch.set_num_threads(1)
    dist.init_process_group("gloo")
    rank = dist.get_rank()
    batches = [torch.randn(64, width, generator=torch.Generator().manual_seed(rank * 100 + i)) for i in range(16)]

    def build() -> tuple[nn.Module, torch.optim.Optimizer]:
        torch.manual_seed(0)
        layers = [m for _ in range(4) for m in (nn.Linear(width, width), nn.ReLU())]
        model = nn.parallel.DistributedDataParallel(nn.Sequential(*layers, nn.Linear(width, 1)))
        return model, torch.optim.AdamW(model.parameters(), lr=1e-3)

    def nothing(*args: object) -> None:
        return None

    copies = {name: build() for name in COPIES}
    model, opt = copies["no-op hooks"]
    model.register_forward_pre_hook(nothing)
    model.register_forward_hook(nothing)
    opt.register_step_pre_hook(nothing)
    opt.register_step_post_hook(nothing)
    for p in list(model.parameters())[::2]:
        p.register_hook(nothing)
    monitor = torchvitals.watch(*copies["watched"], every=10**9, warmup=1, console=False, out=out)

    def step(model: nn.Module, opt: torch.optim.Optimizer, i: int) -> float:
        dist.barrier()
        c0 = time.thread_time()
        x = batches[i % len(batches)]
        loss = F.mse_loss(model(x), x[:, :1])
        opt.zero_grad()
        loss.backward()
        opt.step()
        return time.thread_time() - c0

    added: dict[str, list[float]] = {name: [] for name in COPIES[1:]}
    for i in range(steps):
        r = i % len(COPIES)
        t = {name: step(*copies[name], i) for name in COPIES[r:] + COPIES[:r]}
        if i >= WARMUP:
            for name in added:
                added[name].append(t[name] - t["plain"])
    monitor.close()
    if rank == 0:
        print(json.dumps({name: statistics.median(v) * 1e3 for name, v in added.items()}), flush=True)
    dist.destroy_process_group()


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--width", type=int, default=256)
    ap.add_argument("--steps", type=int, default=1600)
    ap.add_argument("--job", action="store_true", help=argparse.SUPPRESS)
    ap.add_argument("--out", default="", help=argparse.SUPPRESS)
    a = ap.parse_args()
    if a.job:
        _job(a.width, a.steps, a.out)
        return 0
    env = {k: v for k, v in os.environ.items() if not k.startswith("TORCHVITALS_")}
    env.update(PYTHONPATH=str(ROOT / "src"), OMP_NUM_THREADS="1")
    with tempfile.TemporaryDirectory() as out:
        cmd = [sys.executable, "-m", "torch.distributed.run", "--standalone", "--nproc_per_node=2",
               __file__, "--job", "--width", str(a.width), "--steps", str(a.steps), "--out", out]
        proc = subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=1800)
    lines = [line for line in proc.stdout.splitlines() if line.startswith("{")]
    if not lines:
        print(f"no result (exit {proc.returncode}):\n{proc.stderr[-2000:]}", file=sys.stderr)
        return 1
    for name, ms in json.loads(lines[-1]).items():
        print(f"{name:12s} CPU ms added per iteration (median, rank 0): {ms:+.3f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
