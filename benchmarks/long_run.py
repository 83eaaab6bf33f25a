"""Does torchvitals cost more as a run grows? Per-step overhead over a long run, window by window.

    python benchmarks/long_run.py                      # 8,000 steps, every=1 and default
    python benchmarks/long_run.py --steps 2000         # shorter
    python benchmarks/long_run.py --write-md           # also write the BENCHMARKS.md section
    python benchmarks/long_run.py --soak 100000 --write-md   # memory: every=1 over 100,000 steps

The monitor keeps the run's record in memory and its rules rescan it, so a cost that grows with
the number of records would make a long run slower step after step. This trains a small MLP
(12 hidden layers of 64, batch 32: a ~2 ms step, where torchvitals' Python work weighs most)
three times side by side in one process, interleaved in chunks (plain, every-step, default
sampling), and prints each window's step time as a ratio to the plain loop's same window.

`--soak N` measures memory instead: one every-step monitor (every=1, run.jsonl written) over N
steps of a small MLP, with the resident memory of the process after step 10,000 and at every
tenth of the run after it. The History keeps the latest records whole and folds the rest into
summaries of constant size, so the growth after step 10,000 should stay near zero (target: less
than 5 MB over 100,000 steps).
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


def rss_mb() -> float:
    """The process's resident memory now, in MB (Linux /proc; the peak elsewhere)."""
    try:
        with open("/proc/self/statm") as fh:
            return int(fh.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 1e6
    except (OSError, ValueError, IndexError):
        import resource

        return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1e3


def soak(steps: int, write_md: bool) -> int:
    """Resident memory of an every=1 run, from step 10,000 on."""
    torch.set_num_threads(1)
    torch.manual_seed(0)
    model = nn.Sequential(nn.Linear(32, 64), nn.ReLU(), nn.Linear(64, 64), nn.ReLU(), nn.Linear(64, 1))
    opt = torch.optim.Adam(model.parameters(), lr=1e-3)
    g = torch.Generator().manual_seed(0)
    xs = torch.randn(64, 32, 32, generator=g)  # 64 batches of a noisy linear target, in turn
    ys = xs @ torch.randn(32, 1, generator=g) + 0.5 * torch.randn(64, 32, 1, generator=g)
    with tempfile.TemporaryDirectory() as out:
        mon = torchvitals.watch(model, opt, out=out, console=False, every=1)
        base_at = min(10_000, steps)
        marks = sorted({base_at, *(steps * k // 10 for k in range(1, 11) if steps * k // 10 > base_at)})
        rows: list[tuple[int, float, int]] = []
        t0 = time.perf_counter()
        for it in range(1, steps + 1):
            opt.zero_grad()
            F.mse_loss(model(xs[it % 64]), ys[it % 64]).backward()
            opt.step()
            if it in marks:
                gc.collect()
                rows.append((it, rss_mb(), len(mon.history.steps)))
                print(f"step {it:,}: rss {rows[-1][1]:.1f} MB, records held {rows[-1][2]:,} of {mon.history.n_steps:,}", flush=True)
        seconds = time.perf_counter() - t0
        diag = mon.close()
    growth = rows[-1][1] - rows[0][1]
    lines = [
        "## Memory over a long run",
        "",
        f"`python benchmarks/long_run.py --soak {steps}{' --write-md' if write_md else ''}` on {platform.machine()} "
        f"({os.cpu_count()} cores), python {platform.python_version()}, torch {torch.__version__}, {time.strftime('%Y-%m-%d')}: "
        f"{steps:,} steps in {seconds:.0f} s.",
        "",
        "A small MLP (32→64→64→1, Adam, 64 batches of a noisy linear target in turn) watched with every=1 (a record at every step, run.jsonl written), "
        "the process's resident memory after a garbage collection. The History keeps the latest "
        "records whole and folds what the rules read from all the others into summaries of constant "
        "size (before, every record stayed in memory: this model grew by 17.1 MB from step 1,000 to 8,000, about 2.4 KB a step). "
        f"Growth after step {rows[0][0]:,}: **{growth:+.1f} MB** (target: under 5 MB); "
        f"findings: {', '.join(sorted(diag.names())) or 'none'}.",
        "",
        "| step | resident MB | growth since the first row | records held whole |",
        "|---|---|---|---|",
    ]
    for it, mb, held in rows:
        lines.append(f"| {it:,} | {mb:.1f} | {mb - rows[0][1]:+.1f} | {held:,} |")
    body = "\n".join(lines) + "\n"
    print("\n" + body)
    if write_md:
        write_section("long-run-memory", body)
    return 0


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--steps", type=int, default=8000)
    ap.add_argument("--windows", type=int, default=8)
    ap.add_argument("--chunk", type=int, default=50, help="steps per config before switching to the next")
    ap.add_argument("--write-md", action="store_true")
    ap.add_argument("--soak", type=int, default=0, metavar="STEPS", help="measure memory over STEPS every-step iterations instead")
    args = ap.parse_args(argv)
    if args.soak:
        return soak(args.soak, args.write_md)
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
    records = {k: v.mon.history.n_steps for k, v in loops.items() if v.mon is not None}
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
