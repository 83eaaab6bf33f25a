"""How much identical copies of one model differ in step time by where their tensors landed.

    python benchmarks/placement.py                    # 6 copies of the MLP, 800 turns
    python benchmarks/placement.py --model cnn --copies 4 --steps 400

No torchvitals here: every copy is the same plain training loop (benchmarks/bench_models.py),
the copies take turns step by step in an order that rotates every step (as in
benchmarks/paired.py), and each copy's median step time is printed over the first copy's.
Nothing differs between the copies but the memory their tensors were given (which copy is
slowest changes from run to run), so the spread of these ratios is what one copy's luck can do
to a paired ratio; benchmarks/paired.py's `in_placements` averages it out.
This is a benchmark, not a test: it always exits 0.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time

import bench_models
import torch


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--model", choices=bench_models.MODELS, default="mlp")
    ap.add_argument("--copies", type=int, default=6)
    ap.add_argument("--steps", type=int, default=800, help="timed turns (each copy steps once per turn)")
    ap.add_argument("--warmup", type=int, default=100)
    ap.add_argument("--threads", type=int, default=2)
    args = ap.parse_args(argv)
    torch.set_num_threads(args.threads)
    copies = [bench_models.build(args.model) for _ in range(args.copies)]
    times: list[list[float]] = [[] for _ in copies]
    for i in range(args.warmup + args.steps):
        r = i % len(copies)
        for c in list(range(r, len(copies))) + list(range(r)):
            model, opt, data, loss_fn = copies[c]
            x, y = data[i % len(data)]
            t0 = time.perf_counter()
            opt.zero_grad(set_to_none=True)
            loss_fn(model(x), y).backward()
            opt.step()
            if i >= args.warmup:
                times[c].append(time.perf_counter() - t0)
    first = statistics.median(times[0])
    print(f"{args.model}: {args.copies} identical copies, {args.steps} turns, {args.threads} threads")
    for c, ts in enumerate(times):
        print(f"  copy {c}: {statistics.median(ts) * 1e3:8.3f} ms/step ({statistics.median(ts) / first:.4f}x copy 0)")
    ratios = [statistics.median(ts) / first for ts in times]
    print(f"  spread: {min(ratios):.4f}x to {max(ratios):.4f}x")
    return 0


if __name__ == "__main__":
    sys.exit(main())
