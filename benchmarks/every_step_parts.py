"""Where `watch(every=1)` spends its time, found by taking one part away at a time:

    python benchmarks/every_step_parts.py [--model transformer] [--windows 12]

Each variant runs in its own process: a plain loop and a loop under `watch(every=1)` of the same
model (benchmarks/bench_models.py) alternate step by step, the order swapped every step, and the
script prints the median over windows of 50 steps of the time the watched loop added per step.
Variants:
- `full`: torchvitals as it is;
- `no norm kernel`: `torch._foreach_norm` answers with the first result it computed for a list of
  that length (the records go on, with stale gradient norms), so its cost is taken away;
- `no detailed iterations`: no iteration is detailed (no true update with its copy of the
  weights, no weight norms after the first, no activation probes or output value checks);
- `neither`: both.
The differences say what each part costs in the training loop itself (with its cache misses),
which a profile of the part alone does not. A diagnostic, not a test: the ratios move with the
machine (about ±0.1 ms on the shared 2-core VM); it always exits 0.
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
from collections.abc import Callable
from pathlib import Path

HERE = Path(__file__).resolve().parent
VARIANTS = {"full": (), "no norm kernel": ("norm",), "no detailed iterations": ("detail",), "neither": ("norm", "detail")}
WINDOW = 50


def _take_away(parts: tuple[str, ...]) -> Callable[[], None]:
    """Patch the parts away; returns what puts them back."""
    import torch

    from torchvitals.probes import sample

    kept = (torch._foreach_norm, sample.Sampler.detailed)

    def put_back() -> None:
        torch._foreach_norm, sample.Sampler.detailed = kept

    if "norm" in parts:
        real, first = torch._foreach_norm, {}

        def stale(tensors, *args, **kwargs):  # noqa: ANN001, ANN002, ANN003, ANN202
            if len(tensors) not in first:
                first[len(tensors)] = real(tensors, *args, **kwargs)
            return first[len(tensors)]

        torch._foreach_norm = stale
    if "detail" in parts:
        sample.Sampler.detailed = lambda self, it: False
    return put_back


def _variant(model: str, parts: tuple[str, ...], windows: int, warmup: int) -> float:
    """Milliseconds the watched loop added per step with `parts` taken away: the median over
    windows."""
    put_back = _take_away(parts)
    try:
        return _added(model, windows, warmup)
    finally:
        put_back()


def _added(model: str, windows: int, warmup: int) -> float:
    import bench_models
    import torch

    import torchvitals

    def loop(watched: bool, out: str):  # noqa: ANN202
        net, opt, data, loss_fn = bench_models.build(model)
        if watched:
            torchvitals.watch(net, opt, out=out, console=False, every=1)

        def step(i: int) -> None:
            x, y = data[i % len(data)]
            opt.zero_grad(set_to_none=True)
            loss_fn(net(x), y).backward()
            opt.step()

        return step

    torch.manual_seed(0)
    with tempfile.TemporaryDirectory() as out:
        plain, watched = loop(False, out), loop(True, out)
        for i in range(warmup):
            plain(i)
            watched(i)
        added = []
        for w in range(windows):
            spent = {plain: 0.0, watched: 0.0}
            for i in range(WINDOW):
                for step in (plain, watched) if i % 2 else (watched, plain):
                    t = time.perf_counter()
                    step(warmup + w * WINDOW + i)
                    spent[step] += time.perf_counter() - t
            added.append(1e3 * (spent[watched] - spent[plain]) / WINDOW)
    return statistics.median(added)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--model", default="transformer", choices=["mlp", "cnn", "transformer", "transformer-25m"])
    ap.add_argument("--windows", type=int, default=12)
    ap.add_argument("--warmup", type=int, default=100)
    ap.add_argument("--variant", help=argparse.SUPPRESS)  # one variant, in a child process
    a = ap.parse_args(argv)
    if a.variant is not None:
        print(json.dumps({"added_ms": _variant(a.model, VARIANTS[a.variant], a.windows, a.warmup)}))
        return 0
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(HERE.parent / "src"), str(HERE)])}
    print(f"{a.model}, watch(every=1), {a.windows} windows of {WINDOW} steps: ms added per step (median)")
    for name in VARIANTS:
        cmd = [sys.executable, __file__, "--model", a.model, "--windows", str(a.windows),
               "--warmup", str(a.warmup), "--variant", name]
        proc = subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=3600)
        lines = [ln for ln in proc.stdout.splitlines() if ln.startswith("{")]
        shown = f"{json.loads(lines[-1])['added_ms']:.3f}" if lines else f"failed: {proc.stderr.strip()[-300:]}"
        print(f"  {name:24s} {shown}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
