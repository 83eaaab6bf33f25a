"""What the first-batch preflight (checks/first_batch.py) costs at start-up: its time on one
batch against the time of one training step (forward, backward, AdamW step), per benchmark
model of bench_models.py. The preflight runs once per run, so this is a one-time cost.

    python benchmarks/preflight_cost.py            # writes the "preflight-cost" section of BENCHMARKS.md
    python benchmarks/preflight_cost.py --no-write
"""

from __future__ import annotations

import argparse
import platform
import statistics
import sys
import time
from pathlib import Path

import torch

sys.path.insert(0, str(Path(__file__).resolve().parent))  # benchmarks/
from bench_md import write_section  # noqa: E402
from bench_models import MODELS, build  # noqa: E402

from torchvitals.checks.first_batch import first_batch  # noqa: E402

REPEATS = 5  # median of this many timings of each


def step_seconds(model: torch.nn.Module, opt: torch.optim.Optimizer, batch: tuple, loss_fn) -> float:
    x, y = batch
    t0 = time.perf_counter()
    loss = loss_fn(model(x), y)
    opt.zero_grad(set_to_none=True)
    loss.backward()
    opt.step()
    return time.perf_counter() - t0


def measure(name: str) -> dict[str, float]:
    model, opt, data, loss_fn = build(name)
    model.train()
    step_seconds(model, opt, data[0], loss_fn)  # warm-up (allocations, kernels)
    steps = [step_seconds(model, opt, data[i % len(data)], loss_fn) for i in range(REPEATS)]
    pre = []
    for i in range(REPEATS):
        x, _ = data[i % len(data)]
        t0 = time.perf_counter()
        first_batch(model, (x,), {}, batch_size=x.shape[0])
        pre.append(time.perf_counter() - t0)
    step, flight = statistics.median(steps), statistics.median(pre)
    return {"step": step, "preflight": flight, "ratio": flight / step}


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--no-write", action="store_true")
    args = parser.parse_args()
    torch.set_num_threads(1)
    rows = []
    for name in MODELS:
        r = measure(name)
        rows.append(f"| {name} | {r['step'] * 1e3:.1f} | {r['preflight'] * 1e3:.1f} | {r['ratio']:.1f}x |")
        print(rows[-1], flush=True)
    body = "\n".join(
        [
            "## Preflight cost",
            "",
            f"`python benchmarks/preflight_cost.py` on {platform.machine()} (1 thread), torch {torch.__version__}; "
            f"median of {REPEATS}. The preflight (batch-mixing: one eval forward and one input gradient; "
            "dropout in eval(): two no_grad eval forwards) runs once, on the first training batch.",
            "",
            "| model | one training step (ms) | preflight (ms) | preflight / step |",
            "|---|---|---|---|",
            *rows,
        ]
    )
    if not args.no_write:
        write_section("preflight-cost", body)
    print(body)


if __name__ == "__main__":
    main()
