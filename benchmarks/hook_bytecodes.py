"""How much Python torchvitals runs per training iteration, counted in bytecodes:

    python benchmarks/hook_bytecodes.py [--every N] [--iterations 10] [--top 15] [--model NAME]

A clock on a shared VM moves by more than the hooks cost on a short step; a count of the Python
bytecodes the hooks run does not (the same for the same code and Python version, on any
machine). A 5-layer MLP (8 wide, SGD) trains under `torchvitals.watch()`; after 120 warm-up
iterations (past the first records' dense live-rule passes) `sys.settrace` counts every bytecode
of the next iterations, and the script prints those run in torchvitals' files per iteration, with
the functions that run most. `--every 1000000` (the default) counts unsampled iterations,
`--every 1` sampled ones (a record each). `--model` takes one of the overhead benchmark's models
instead (benchmarks/bench_models.py, AdamW, its own batches): a record's Python grows with the
number of parameters. Fewer bytecodes is less work, not a time: on this VM a
bytecode between the step's kernels costs from 10 to 200 ns (BENCHMARKS.md, distributed overhead).
"""

from __future__ import annotations

import argparse
import collections
import sys
import tempfile
from collections.abc import Callable
from pathlib import Path

import torch
from torch import nn

import torchvitals

WARMUP = 120


def _training(model_name: str | None) -> tuple[nn.Module, torch.optim.Optimizer, Callable[[int], torch.Tensor]]:
    """A model, its optimizer and a function giving iteration i's loss."""
    torch.manual_seed(0)
    if model_name is not None:
        import bench_models

        model, opt, data, loss_fn = bench_models.build(model_name)
        return model, opt, lambda i: loss_fn(model(data[i % len(data)][0]), data[i % len(data)][1])
    model = nn.Sequential(*[nn.Linear(8, 8) for _ in range(5)])
    x, y = torch.randn(4, 8), torch.randn(4, 8)
    return model, torch.optim.SGD(model.parameters(), lr=0.01), lambda i: ((model(x) - y) ** 2).mean()


def count(
    every: int, iterations: int, warmup: int = WARMUP, model_name: str | None = None
) -> tuple[collections.Counter, int]:
    """{(file, first line, function): bytecodes} over `iterations` watched iterations after
    `warmup` untraced ones, and the bytecodes of the whole loop (torch's Python included)."""
    model, opt, loss_at = _training(model_name)
    with tempfile.TemporaryDirectory() as out:
        monitor = torchvitals.watch(model, opt, every=every, warmup=0, out=out, log_every=0, console=False)
        step = iter(range(10**9))

        def iteration() -> None:
            opt.zero_grad()
            loss_at(next(step)).backward()
            opt.step()

        for _ in range(warmup):
            iteration()
        ops: collections.Counter = collections.Counter()

        def trace(frame, event, arg):  # noqa: ANN001, ANN202 (sys.settrace's signature)
            frame.f_trace_opcodes, frame.f_trace_lines = True, False
            code = frame.f_code
            key = (code.co_filename, code.co_firstlineno, code.co_name)

            def local(frame, event, arg):  # noqa: ANN001, ANN202
                if event == "opcode":
                    ops[key] += 1
                return local

            return local

        before = sys.gettrace()  # a debugger's or coverage's tracer is put back afterwards
        sys.settrace(trace)
        try:
            for _ in range(iterations):
                iteration()
        finally:
            sys.settrace(before)
        monitor.close()
    return ops, sum(ops.values())


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--every", type=int, default=1_000_000, help="watch()'s sampling (default: never after the warm-up)")
    ap.add_argument("--iterations", type=int, default=10)
    ap.add_argument("--top", type=int, default=15)
    ap.add_argument("--warmup", type=int, default=WARMUP, help=f"untraced iterations first (default {WARMUP})")
    ap.add_argument("--model", choices=["mlp", "cnn", "transformer", "transformer-25m"],
                    help="one of the overhead benchmark's models instead of the 5-layer MLP of width 8")
    a = ap.parse_args(argv)
    ops, total = count(a.every, a.iterations, a.warmup, a.model)
    package = str(Path(torchvitals.__file__).parent)
    ours = {k: v for k, v in ops.items() if k[0].startswith(package)}
    n = a.iterations
    print(f"Python {sys.version.split()[0]}, torch {torch.__version__}, {a.model or '5-layer MLP of width 8'}, every={a.every}: "
          f"torchvitals {sum(ours.values()) / n:.0f} bytecodes per iteration "
          f"(the whole loop's Python: {total / n:.0f})")
    for (path, line, name), v in sorted(ours.items(), key=lambda kv: -kv[1])[: a.top]:
        print(f"  {v / n:8.1f}  {Path(path).relative_to(package).as_posix()}:{line} {name}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
