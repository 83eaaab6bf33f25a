"""Where watch()'s cost goes in a 2-rank DDP job: sampled iterations against the others.

    python benchmarks/ddp_cost_split.py [--width 256] [--steps 1500] [--write-md]

Launches itself under torchrun (2 ranks, gloo, CPU). In the job, two copies of the MLP of
benchmarks/ddp_train.py take turns step by step (the order alternates), one plain and one under
torchvitals.watch() at default sampling; a barrier before every step keeps the ranks' clocks
aligned. Rank 0 times each step; per iteration, watched minus plain is the cost torchvitals
added. Iterations are split by whether the watched copy sampled them (read from its record).
Prints the medians; with --write-md replaces its section of BENCHMARKS.md.
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
SECTION = "distributed-cost-split"
WARMUP = 200


def _job(width: int, steps: int, out: str) -> None:
    import torch
    import torch.distributed as dist
    import torch.nn.functional as F
    from torch import nn

    import torchvitals

    torch.set_num_threads(1)
    dist.init_process_group("gloo")
    rank = dist.get_rank()
    gen = torch.Generator().manual_seed(rank)
    batches = [torch.randn(64, width, generator=gen) for _ in range(16)]

    def build() -> tuple[nn.Module, torch.optim.Optimizer]:
        torch.manual_seed(0)
        layers = [m for _ in range(4) for m in (nn.Linear(width, width), nn.ReLU())]
        model = nn.parallel.DistributedDataParallel(nn.Sequential(*layers, nn.Linear(width, 1)))
        return model, torch.optim.AdamW(model.parameters(), lr=1e-3)

    def step(model: nn.Module, opt: torch.optim.Optimizer, i: int) -> tuple[float, float]:
        """(wall seconds, this thread's CPU seconds) of one iteration."""
        dist.barrier()
        c0, t0 = time.thread_time(), time.perf_counter()
        x = batches[i % len(batches)]
        loss = F.mse_loss(model(x), x[:, :1])
        opt.zero_grad()
        loss.backward()
        opt.step()
        return time.perf_counter() - t0, time.thread_time() - c0

    plain, watched = build(), build()
    monitor = torchvitals.watch(*watched, console=False, out=out)
    cost, cpu, plain_s = [], [], []
    for i in range(steps):
        pair = (plain, watched) if i % 2 else (watched, plain)
        t = {id(m): step(m, o, i) for m, o in pair}
        w, p = t[id(watched[0])], t[id(plain[0])]
        cost.append(w[0] - p[0])
        cpu.append(w[1] - p[1])
        plain_s.append(p[0])
    monitor.close()
    if rank == 0:
        sampled = {r["it"] for r in monitor.history.steps if "g" in r}
        later = range(WARMUP, steps)  # iteration i + 1 is step i
        on = [cost[i] for i in later if i + 1 in sampled]
        off = [cost[i] for i in later if i + 1 not in sampled]
        cpu_on = [cpu[i] for i in later if i + 1 in sampled]
        cpu_off = [cpu[i] for i in later if i + 1 not in sampled]
        print(json.dumps({"plain_ms": statistics.median(plain_s[WARMUP:]) * 1e3,
                          "sampled_ms": statistics.median(on) * 1e3 if on else None, "n_sampled": len(on),
                          "other_ms": statistics.median(off) * 1e3, "n_other": len(off),
                          "sampled_cpu_ms": statistics.median(cpu_on) * 1e3 if cpu_on else None,
                          "other_cpu_ms": statistics.median(cpu_off) * 1e3}), flush=True)
    dist.destroy_process_group()


def _launch(width: int, steps: int) -> dict:
    env = {k: v for k, v in os.environ.items() if not k.startswith("TORCHVITALS_")}
    env.update(PYTHONPATH=str(ROOT / "src"), OMP_NUM_THREADS="1")
    with tempfile.TemporaryDirectory() as out:
        cmd = [sys.executable, "-m", "torch.distributed.run", "--standalone", "--nproc_per_node=2",
               __file__, "--job", "--width", str(width), "--steps", str(steps), "--out", out]
        proc = subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=1800)
    for line in proc.stdout.splitlines():
        if line.startswith("{"):
            return json.loads(line)
    raise RuntimeError(f"no result (exit {proc.returncode}):\n{proc.stderr[-2000:]}")


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--width", type=int, default=256)
    ap.add_argument("--steps", type=int, default=1500)
    ap.add_argument("--write-md", action="store_true")
    ap.add_argument("--job", action="store_true", help=argparse.SUPPRESS)
    ap.add_argument("--out", default="", help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.job:
        _job(args.width, args.steps, args.out)
        return
    r = _launch(args.width, args.steps)
    every = (r["n_sampled"] + r["n_other"]) / max(1, r["n_sampled"])
    per_step = (r["sampled_ms"] * r["n_sampled"] + r["other_ms"] * r["n_other"]) / (r["n_sampled"] + r["n_other"])
    body = "\n".join([
        f"## Distributed overhead: where watch()'s cost goes (2 ranks, DDP, width {args.width})",
        "",
        f"`python benchmarks/ddp_cost_split.py --width {args.width} --steps {args.steps}`: a plain and a watched copy "
        "of the benchmark MLP take turns step by step in one 2-rank job, a barrier before every step; rank 0's "
        "watched-minus-plain time per iteration, medians, after 200 warm-up iterations: wall-clock, and the "
        "main thread's CPU time (what torchvitals' own work adds, without any wait).",
        "",
        "| iterations | how many | ms added (median) | CPU ms added (median) |",
        "|---|---|---|---|",
        f"| sampled (default: every 50th) | {r['n_sampled']} | {r['sampled_ms']:.2f} | {r['sampled_cpu_ms']:.2f} |",
        f"| all others | {r['n_other']} | {r['other_ms']:.2f} | {r['other_cpu_ms']:.2f} |",
        "",
        f"Plain step {r['plain_ms']:.2f} ms. Spread over the run (one sample every {every:.0f} iterations) "
        f"that is about {per_step:.2f} ms a step ({per_step / r['plain_ms']:.1%} of the plain step), "
        f"{r['other_ms'] * r['n_other'] / (r['sampled_ms'] * r['n_sampled'] + r['other_ms'] * r['n_other']):.0%} of it "
        "on the iterations that are not sampled: the hooks every iteration runs, not the exchange between ranks.",
    ])
    print(body)
    if args.write_md:
        sys.path.insert(0, str(ROOT / "benchmarks"))
        from bench_md import write_section

        write_section(SECTION, body)


if __name__ == "__main__":
    main()
