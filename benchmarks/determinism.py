"""Does any finding depend on the machine? The fault zoo (every case, its fixed twin, every
healthy workload) run under each CPU kernel set and thread count, findings compared.

    python benchmarks/determinism.py                  # ATEN_CPU_CAPABILITY default and native, 1 and 2 threads
    python benchmarks/determinism.py --cases a,b      # a subset (no file written)

Each configuration runs in its own process (ATEN_CPU_CAPABILITY is read when torch loads).
The cases call torch.set_num_threads(1) themselves; under `--threads N` that call is held at N,
so every matrix product and reduction really runs with N threads. A finding is identified by
(name, severity, where); the iteration it was first seen is compared too and reported apart.
"""

from __future__ import annotations

import argparse
import contextlib
import io
import json
import os
import platform
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(HERE / "fault_zoo"))

CONFIGS = [("default", 1), ("default", 2), ("native", 1), ("native", 2)]


def run_config(cases: str | None, threads: int) -> dict[str, list[list]]:
    """In this process: every case (and twin) under torchvitals run; findings per run."""
    import score
    import torch

    from torchvitals.run import run_script

    torch.set_num_threads(threads)
    torch.set_num_threads = lambda n: None  # hold the cases at `threads`
    out: dict[str, list[list]] = {}
    with tempfile.TemporaryDirectory() as tmp:
        for case in score.discover(set(cases.split(",")) if cases else None):
            variants = [("", [])] if case.healthy else [("", []), (" (fixed)", ["--fixed"])]
            for suffix, extra in variants:
                sink = io.StringIO()
                with contextlib.redirect_stdout(sink), contextlib.redirect_stderr(sink):
                    _, diag = run_script(str(case.path), case.args + extra,
                                         {"out": tmp, "name": case.name + suffix.strip(" ()"), "console": False})
                out[case.name + suffix] = sorted([f.name, f.severity, list(f.where), f.step] for f in diag.findings)
    return out


def compare(results: dict[str, dict[str, list[list]]]) -> tuple[list[str], list[str]]:
    """Runs whose findings (name, severity, where) differ between configurations, and runs
    where only the first iteration differs."""
    names = sorted(next(iter(results.values())))
    differ, steps = [], []
    for run in names:
        keys = {cfg: sorted((n, s, tuple(w)) for n, s, w, _ in res.get(run, [])) for cfg, res in results.items()}
        full = {cfg: sorted((n, s, tuple(w), st) for n, s, w, st in res.get(run, [])) for cfg, res in results.items()}
        if len({json.dumps(v) for v in keys.values()}) > 1:
            differ.append(run + ": " + "; ".join(f"{cfg}: {[k[0] + '/' + k[1] for k in v]}" for cfg, v in keys.items()))
        elif len({json.dumps(v) for v in full.values()}) > 1:
            steps.append(run)
    return differ, steps


def markdown(results: dict, differ: list[str], steps: list[str], command: str, seconds: float) -> str:
    runs = len(next(iter(results.values())))
    serious = {cfg: sum(1 for fs in res.values() for f in fs if f[1] != "info") for cfg, res in results.items()}
    lines = [
        "## Determinism across machines",
        "",
        f"`{command}` on {platform.machine()} ({os.cpu_count()} cores), python {platform.python_version()}, "
        f"{time.strftime('%Y-%m-%d')}; {seconds:.0f} s in all. The fault zoo ({runs} runs: every case, its fixed "
        "twin, every healthy workload) under each CPU kernel set (`ATEN_CPU_CAPABILITY`) and intra-op thread count.",
        "",
        "| configuration | findings at warning or above (all runs) | findings in all |",
        "|---|---|---|",
    ]
    for cfg, res in results.items():
        lines.append(f"| {cfg} | {serious[cfg]} | {sum(len(fs) for fs in res.values())} |")
    lines += [
        "",
        f"- **Runs whose findings (name, severity, place) differ between configurations**: {len(differ)}"
        + ("" if not differ else ": " + " · ".join(differ)),
        f"- **Runs where only the iteration of first detection differs**: {len(steps)}" + (f" ({', '.join(steps)})" if steps else ""),
    ]
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--cases", help="comma-separated zoo case names; default: all")
    ap.add_argument("--no-write", action="store_true", help="do not update BENCHMARKS.md")
    ap.add_argument("--one", nargs=2, metavar=("CAPABILITY", "THREADS"), help=argparse.SUPPRESS)
    args = ap.parse_args(argv)
    if args.one:  # the child: one configuration, JSON on stdout
        print(json.dumps(run_config(args.cases, int(args.one[1]))))
        return 0
    t0 = time.perf_counter()
    results: dict[str, dict] = {}
    for cap, threads in CONFIGS:
        env = dict(os.environ)
        env.pop("ATEN_CPU_CAPABILITY", None)
        if cap != "native":
            env["ATEN_CPU_CAPABILITY"] = cap
        cmd = [sys.executable, __file__, "--one", cap, str(threads)] + (["--cases", args.cases] if args.cases else [])
        proc = subprocess.run(cmd, capture_output=True, text=True, env=env)
        if proc.returncode != 0:
            print(proc.stderr[-2000:], file=sys.stderr)
            return 1
        name = f"{cap} ISA, {threads} thread{'s' if threads > 1 else ''}"
        results[name] = json.loads(proc.stdout.strip().splitlines()[-1])
        print(f"{name}: {len(results[name])} runs", file=sys.stderr, flush=True)
    differ, steps = compare(results)
    command = "python benchmarks/determinism.py" + (f" --cases {args.cases}" if args.cases else "")
    md = markdown(results, differ, steps, command, time.perf_counter() - t0)
    print(md)
    if not args.no_write and not args.cases:
        from bench_md import write_section

        print(f"wrote {write_section('determinism', md)}", file=sys.stderr)
    return 1 if differ else 0


if __name__ == "__main__":
    sys.exit(main())
