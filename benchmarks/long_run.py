"""Does torchvitals cost more as a run grows? Per-step overhead over a long run, window by window.

    python benchmarks/long_run.py                      # 8,000 steps, every=1 and default
    python benchmarks/long_run.py --steps 2000         # shorter
    python benchmarks/long_run.py --write-md           # also write the BENCHMARKS.md section

The monitor keeps the run's record in memory and its rules rescan it, so a cost that grows with
the number of records would make a long run slower step after step. This trains a small MLP
(12 hidden layers of 64, batch 32: a ~2 ms step, where torchvitals' Python work weighs most)
three times side by side in one process, interleaved in chunks (plain, every-step, default
sampling), and prints each window's step time as a ratio to the plain loop's same window.
"""

from __future__ import annotations

import argparse
import gc
import os
import platform
import sys
import tempfile
import time
from pathlib import Path

import torch
import torch.nn.functional as F
from torch import nn

import torchvitals

sys.path.insert(0, str(Path(__file__).resolve().parent))
from bench_md import write_section  # noqa: E402

CONFIGS = {"plain": None, "every-step": {"every": 1}, "default": {}}


class Loop:
    """One model, optimizer and (maybe) monitor, trained a chunk at a time."""

    def __init__(self, opts: dict | None) -> None:
        torch.manual_seed(0)
        self.model = nn.Sequential(*[m for _ in range(12) for m in (nn.Linear(64, 64), nn.ReLU())], nn.Linear(64, 1))
        self.opt = torch.optim.Adam(self.model.parameters(), lr=1e-3)
        self.out = tempfile.TemporaryDirectory()  # run.jsonl written, as by default
        self.mon = None if opts is None else torchvitals.watch(self.model, self.opt, out=self.out.name, console=False, **opts)
        g = torch.Generator().manual_seed(0)
        self.x, self.y = torch.randn(32, 64, generator=g), torch.randn(32, 1, generator=g)

    def train(self, steps: int) -> float:
        t0 = time.perf_counter()
        for _ in range(steps):
            self.opt.zero_grad()
            F.mse_loss(self.model(self.x), self.y).backward()
            self.opt.step()
        return time.perf_counter() - t0


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--steps", type=int, default=8000)
    ap.add_argument("--windows", type=int, default=8)
    ap.add_argument("--chunk", type=int, default=50, help="steps per config before switching to the next")
    ap.add_argument("--write-md", action="store_true")
    args = ap.parse_args(argv)
    torch.set_num_threads(1)
    loops = {name: Loop(opts) for name, opts in CONFIGS.items()}
    for loop in loops.values():
        loop.train(20)  # warm-up
    per_window = args.steps // args.windows
    table = []
    gc.disable()
    try:
        for w in range(args.windows):
            spent = dict.fromkeys(loops, 0.0)
            done = 0
            while done < per_window:
                n = min(args.chunk, per_window - done)
                for name, loop in loops.items():
                    spent[name] += loop.train(n)
                done += n
            row = {name: spent[name] / per_window * 1e3 for name in loops}
            table.append(((w + 1) * per_window, row))
            print(f"steps {w * per_window + 1}-{(w + 1) * per_window}: "
                  + "  ".join(f"{k}={v:.3f}ms ({v / row['plain']:.2f}x)" for k, v in row.items()), flush=True)
    finally:
        gc.enable()
    records = {k: len(v.mon.history.steps) for k, v in loops.items() if v.mon is not None}
    for loop in loops.values():
        if loop.mon is not None:
            loop.mon.close()
        loop.out.cleanup()
    lines = [
        "## Overhead over a long run",
        "",
        f"`python benchmarks/long_run.py --steps {args.steps}{' --write-md' if args.write_md else ''}` on {platform.machine()} "
        f"({os.cpu_count()} cores), python {platform.python_version()}, torch {torch.__version__}, {time.strftime('%Y-%m-%d')}.",
        "",
        "A small MLP (12 hidden layers of 64, a ~2 ms step, where torchvitals' own Python work weighs most), "
        "the three loops interleaved in chunks of "
        f"{args.chunk} steps; each window's mean step time as a ratio to the plain loop's same window. "
        f"Records kept at the end: {', '.join(f'{k} {v:,}' for k, v in records.items())}.",
        "",
        "| steps up to | plain ms/step | every step | default sampling |",
        "|---|---|---|---|",
    ]
    for upto, row in table:
        lines.append(f"| {upto:,} | {row['plain']:.3f} | {row['every-step'] / row['plain']:.2f}× | {row['default'] / row['plain']:.2f}× |")
    body = "\n".join(lines) + "\n"
    print("\n" + body)
    if args.write_md:
        write_section("long-run", body)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
