"""Lint speed: the installed torch package's source, files per second, and findings per code;
with --compare, side by side with pylint-based checkers on a fixed sample of the same files.

    python benchmarks/lint_speed.py [--jobs 2] [--show CODE]
    python benchmarks/lint_speed.py --jobs 2 --compare [--sample 200] [--dslinter-python PY] [--write-md]
    python benchmarks/lint_speed.py --scaling [--write-md]

--scaling: lint time against file size. The bundled forecaster (a 6.5 KB training script, its
code in functions) and a corpus snippet written at module level, each repeated x1..x256 into
one file, linted in this process; CPU seconds (least of --repeats) and findings. Linear means
the seconds per copy stay flat (before issue 13: 0.33/4.5/195 CPU s at x16/x64/x256).

torch's own code is library code, not training scripts, so the findings should be few; each
one is worth reading as a possible false alarm (benchmarks/lint_real.py lists them with verdicts).

The comparison lints the same `--sample` files (every k-th .py file of torch, sorted, so the
sample spreads over the whole package) with:
  torchvitals            as shipped: files no rule can match are read but never parsed
  torchvitals, all parsed  the same with that pre-filter off: every file parsed and walked
  pylint floor           `--disable=all --enable=unnecessary-pass`: what any pylint plugin pays
                         (astroid builds every module) before its own checks run
  pylint light flow      `--enable=unused-variable,undefined-loop-variable,cell-var-from-loop`:
                         pylint's own name flow through scopes, the nearest to the light data
                         flow the lint rules need
  dslinter               pylint with the dslinter plugin and only its PyTorch checks enabled
All with `--jobs N`. pylint runs as a subprocess; its start-up (the same command on one empty
file) is subtracted, so files/s compares the per-file work, not interpreter start-up.

dslinter 2.0.9 pins pylint<2.13 and astroid<2.10, whose wrapt<1.14 does not build on Python 3.11
(`inspect.formatargspec` is gone), so `pip install dslinter` fails. It runs when its pins are
installed without their own pins, in a scratch environment (never the project's):
    python3.11 -m venv /tmp/dsl-venv
    /tmp/dsl-venv/bin/pip install --no-deps dslinter==2.0.9 pylint==2.12.2 astroid==2.9.3 \\
        "wrapt>=1.14" lazy-object-proxy "isort<6" mccabe platformdirs toml typing-extensions \\
        mypy==0.931 mypy_extensions tomli data-science-types==0.2.23
then pass `--dslinter-python /tmp/dsl-venv/bin/python`.
"""

from __future__ import annotations

import argparse
import os
import platform
import re
import resource
import subprocess
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path
from typing import Any

import torch
from bench_md import write_section

import torchvitals.lint.files as lint_files
from torchvitals.lint import collect, lint_file, lint_paths

PYLINT_FLOOR = ["--disable=all", "--enable=unnecessary-pass"]
PYLINT_FLOW = ["--disable=all", "--enable=unused-variable,undefined-loop-variable,cell-var-from-loop"]
DSLINTER_PYTORCH = [
    "--load-plugins=dslinter", "--disable=all",
    "--enable=forward-pytorch,gradient-clear-pytorch,mode-toggling-pytorch,missing-mask-pytorch,"
    "deterministic-pytorch,randomness-control-pytorch,randomness-control-dataloader-pytorch,"
    "dependent-threshold-pytorch,hyperparameters-pytorch,import-pytorch",
]  # fmt: skip
MESSAGE = re.compile(r":\d+:\d+: [A-Z]\d{4}: .*\(([\w-]+)\)$")


def cpu_seconds() -> float:
    """CPU time of this process and its reaped children (the lint worker processes)."""
    me, kids = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    return me.ru_utime + me.ru_stime + kids.ru_utime + kids.ru_stime


def best_of(repeats: int, fn: Any) -> tuple[float, float, Any]:
    """The fastest of `repeats` runs (the least disturbed by other load): wall seconds, the
    least CPU seconds of any run (what the work costs, whatever else the machine does), result."""
    best, least_cpu, result = float("inf"), float("inf"), None
    for _ in range(repeats):
        t0, c0 = time.perf_counter(), cpu_seconds()
        out = fn()
        dt, cpu = time.perf_counter() - t0, cpu_seconds() - c0
        least_cpu = min(least_cpu, cpu)
        if dt < best:
            best, result = dt, out
    return best, least_cpu, result


def lint_all_parsed(files: list[str], jobs: int) -> list:
    """torchvitals with the pre-filter off: every file parsed and every rule run on it."""
    saved = lint_files.might_match
    lint_files.might_match = lambda text: True  # forked workers inherit the patched module
    try:
        return lint_paths(files, jobs=jobs)
    finally:
        lint_files.might_match = saved


def run_pylint(python: str, options: list[str], files: list[str], jobs: int) -> dict[str, Any]:
    """One pylint run over `files`; seconds with start-up subtracted, messages counted."""
    common = [python, "-m", "pylint", *options, f"--jobs={jobs}", "--persistent=n", "--score=n", "--reports=n"]
    with tempfile.TemporaryDirectory() as tmp:
        empty = os.path.join(tmp, "empty_module.py")
        open(empty, "w").close()
        t0 = time.perf_counter()
        subprocess.run([*common, empty], capture_output=True, text=True)
        startup = time.perf_counter() - t0
    t0 = time.perf_counter()
    proc = subprocess.run([*common, *files], capture_output=True, text=True)
    wall = time.perf_counter() - t0
    failed = proc.returncode & 1 or proc.returncode >= 32  # fatal message or usage error
    symbols = [m.group(1) for ln in proc.stdout.splitlines() if (m := MESSAGE.search(ln))]
    return {
        "wall_s": round(wall, 2), "startup_s": round(startup, 2), "seconds": round(max(wall - startup, 1e-9), 2),
        "by_kind": dict(sorted(Counter(symbols).items())), "error": (proc.stderr.strip().splitlines() or ["failed"])[-1] if failed else None,
    }  # fmt: skip


def pylint_version(python: str) -> str:
    proc = subprocess.run([python, "-m", "pylint", "--version"], capture_output=True, text=True)
    return proc.stdout.splitlines()[0].split()[-1] if proc.returncode == 0 and proc.stdout else "?"


def dslinter_version(python: str) -> str:
    code = "import importlib.metadata as m; print(m.version('dslinter'))"
    proc = subprocess.run([python, "-c", code], capture_output=True, text=True)
    return proc.stdout.strip() or "?"


def sample_of(files: list[str], n: int) -> list[str]:
    """Every k-th .py file: a fixed sample spread over the whole package."""
    py = [f for f in files if f.endswith(".py")]
    if n >= len(py):
        return py
    step = len(py) / n
    return [py[int(i * step)] for i in range(n)]


def compare(files: list[str], args: argparse.Namespace) -> list[dict[str, Any]]:
    sample = sample_of(files, args.sample)
    rows: list[dict[str, Any]] = []

    def add(tool: str, how: str, seconds: float, by_kind: dict[str, int], error: str | None = None) -> None:
        rows.append({"tool": tool, "how": how, "files": len(sample), "seconds": round(seconds, 2),
                     "files_per_s": round(len(sample) / seconds, 1) if seconds and not error else None,
                     "by_kind": by_kind, "error": error})  # fmt: skip
        print(f"  {tool:36} {seconds:8.2f} s  {rows[-1]['files_per_s'] or '-':>8} files/s  "
              f"findings: {kinds(by_kind)}  {error or ''}", flush=True)  # fmt: skip

    def codes(found: list) -> dict[str, int]:
        return dict(sorted(Counter(f.code for f in found).items()))

    print(f"\nsame {len(sample)} files of torch, --jobs {args.jobs}:")
    dt, _, found = best_of(args.repeats, lambda: lint_paths(sample, jobs=args.jobs))
    add("torchvitals lint", f"in process, best of {args.repeats}", dt, codes(found))
    dt, _, found = best_of(args.repeats, lambda: lint_all_parsed(sample, args.jobs))
    add("torchvitals lint, every file parsed", f"pre-filter off, best of {args.repeats}", dt, codes(found))
    here = sys.executable
    version = pylint_version(here)
    if version == "?":
        print("  pylint is not installed here: `pip install -e .[bench]`", flush=True)
    else:
        r = run_pylint(here, PYLINT_FLOOR, sample, args.jobs)
        add(f"pylint {version} floor", " ".join(PYLINT_FLOOR), r["seconds"], r["by_kind"], r["error"])
        r = run_pylint(here, PYLINT_FLOW, sample, args.jobs)
        add(f"pylint {version} light flow", " ".join(PYLINT_FLOW), r["seconds"], r["by_kind"], r["error"])
    if args.dslinter_python:
        dsl = f"dslinter {dslinter_version(args.dslinter_python)} (pylint {pylint_version(args.dslinter_python)})"
        r = run_pylint(args.dslinter_python, DSLINTER_PYTORCH, sample, args.jobs)
        add(dsl, "its 10 PyTorch checks only", r["seconds"], r["by_kind"], r["error"])
    return rows


def kinds(by_kind: dict[str, int]) -> str:
    return ", ".join(f"{k} {n}" for k, n in by_kind.items()) or "none"


def markdown(info: dict[str, Any], full: dict[str, Any], rows: list[dict[str, Any]], command: str) -> str:
    lines = [
        "## Lint speed",
        "",
        f"`{command}` on {info['platform']} ({info['cpu_count']} cores, `--jobs {info['jobs']}`), python "
        f"{info['python']}, torch {info['torch']}, {info['date']}. Load average {info['load_before']:.1f} "
        f"before and {info['load_after']:.1f} after: other people were using this machine, so every "
        "figure here is pessimistic, ours and the peers' alike.",
        "",
        f"- **torch's source**: {full['files']} files in {full['seconds']:.2f} s (best of {full['repeats']}) = "
        f"**{full['files_per_s']:.0f} files/s**; target ≥ 300 on 2 cores. The work itself took "
        f"{full['cpu_s']:.2f} CPU seconds (least of the runs, workers included): "
        f"{full['files'] / full['cpu_s'] * info['jobs']:.0f} files/s on {info['jobs']} otherwise idle "
        "cores, if the work splits evenly. Findings: "
        + (", ".join(f"{c} {n}" for c, n in full["counts"].items()) or "none")
        + " (verdicts in *Lint on real code*).",
    ]
    if rows:
        lines += [
            "",
            f"The same {rows[0]['files']} files of torch (every k-th `.py`, sorted) with each tool; "
            "pylint's start-up is subtracted. pylint-based checkers (dslinter is a pylint plugin) pay "
            "for astroid's inference-ready tree of every file before any check runs; torchvitals "
            "reads each file once, skips files no rule can match, and parses the rest with `ast`.",
            "",
            "| tool | configuration | seconds | files/s | findings on the sample (different checks) |",
            "|---|---|---|---|---|",
        ]
        for r in rows:
            rate = f"{r['files_per_s']:.1f}" if r["files_per_s"] else f"failed: {r['error']}"
            lines.append(f"| {r['tool']} | {r['how']} | {r['seconds']:.2f} | {rate} | {kinds(r['by_kind'])} |")
        ours, ours_all = rows[0], rows[1]
        peers = [r for r in rows[2:] if r["files_per_s"]]
        if peers:
            lines += ["", "Per file, torchvitals (as shipped / every file parsed) is faster than " + "; ".join(
                f"{r['tool']} {ours['files_per_s'] / r['files_per_s']:.0f}× / {ours_all['files_per_s'] / r['files_per_s']:.0f}×"
                for r in peers) + "."]  # fmt: skip
        if not any(r["tool"].startswith("dslinter") for r in rows):
            lines += ["", "dslinter: not measured in this run (give `--dslinter-python`)."]
        lines += [
            "",
            "dslinter 2.0.9 does not install on Python 3.11 with `pip install dslinter`: it pins "
            "pylint<2.13 / astroid<2.10, whose wrapt<1.14 fails to build (`inspect.formatargspec` is "
            "gone). Installed with `--no-deps` and those pins (recipe in `benchmarks/lint_speed.py`) "
            "it runs; its PyTorch checks overlap ours on `forward()` calls and missing `zero_grad()`. "
            "Read by hand on the 200-file sample (2026-11-21): its `forward-pytorch` findings are "
            "`RemoteModule.forward()` calls in torch's RPC tests, the remote module's own API (it "
            "supports no hooks), and `GraphModule.forward` inside a `__call__`; torchvitals reports "
            "none of them.",
        ]
    return "\n".join(lines) + "\n"


SCALING_SOURCES = {
    "forecaster (code in functions)": Path(__file__).resolve().parents[1] / "src" / "torchvitals" / "examples" / "forecaster.py",
    "clean017_collected (module level)": Path(__file__).resolve().parents[1] / "tests" / "lint_corpus" / "clean017_collected.py",
}  # fmt: skip
SCALING_COPIES = (1, 16, 64, 256)


def scaling(repeats: int) -> list[dict[str, Any]]:
    """Lint each source repeated SCALING_COPIES times; CPU seconds (least of `repeats`)."""
    rows: list[dict[str, Any]] = []
    with tempfile.TemporaryDirectory() as tmp:
        for label, src in SCALING_SOURCES.items():
            text = src.read_text()
            for n in SCALING_COPIES:
                path = os.path.join(tmp, f"x{n}.py")
                with open(path, "w") as f:
                    f.write(text * n)
                least, found = float("inf"), []
                for _ in range(repeats):
                    t0 = time.process_time()
                    found = lint_file(path)
                    least = min(least, time.process_time() - t0)
                rows.append({"source": label, "copies": n, "bytes": len(text.encode()) * n, "cpu_s": least,
                             "findings": len(found), "codes": kinds(dict(Counter(f.code for f in found)))})  # fmt: skip
                r = rows[-1]
                print(f"  {label:34} x{n:<4} {r['bytes'] / 1024:8.0f} KB {least:8.2f} CPU s "
                      f"({least / n * 1000:6.1f} ms per copy)  findings: {r['codes']}", flush=True)  # fmt: skip
    return rows


def scaling_markdown(rows: list[dict[str, Any]], info: dict[str, Any]) -> str:
    lines = [
        "### Lint time against file size",
        "",
        f"`python benchmarks/lint_speed.py --scaling --write-md` on {info['platform']}, python {info['python']}, "
        f"{info['date']}; load average {info['load_before']:.1f} before and {info['load_after']:.1f} after. "
        "One file holding a script repeated n times, linted in one process; CPU seconds, least of "
        f"{info['repeats']} runs. Before issue 13 the forecaster took 0.33 / 4.5 / 195 CPU s at x16 / x64 / x256 "
        "(every optimizer re-walked every value of every name it mentions: cubic in the copies).",
        "",
        "| script | copies | size | CPU s | ms per copy | findings |",
        "|---|---|---|---|---|---|",
    ]
    for r in rows:
        lines.append(f"| {r['source']} | {r['copies']} | {r['bytes'] / 1024:.0f} KB | {r['cpu_s']:.2f} | "
                     f"{r['cpu_s'] / r['copies'] * 1000:.1f} | {r['codes']} |")  # fmt: skip
    lines += [
        "",
        "Files over 2 MiB (32 MiB for a notebook file) are reported as TVL000 *too large to lint* and "
        "not read, which bounds what one file can cost. The module-level script costs more per copy "
        "(flat from x64 on, about 47 s per MiB: some 100 s for a 2 MiB file of nothing but evaluation "
        "loops) because each evaluation loop's results are followed through the nearest 250 statements "
        "after it. `tests/test_lint_hardening.py` checks the growth without a clock: it counts the "
        "function calls linting makes.",
    ]
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--jobs", type=int, default=os.cpu_count() or 1)
    ap.add_argument("--repeats", type=int, default=3, help="torchvitals runs per figure (the best counts)")
    ap.add_argument("--show", default=None, help="print every finding of this code")
    ap.add_argument("--compare", action="store_true", help="also lint a sample with pylint (and dslinter)")
    ap.add_argument("--sample", type=int, default=200, help="files in the comparison sample")
    ap.add_argument("--dslinter-python", default=None, help="python of an environment with dslinter installed")
    ap.add_argument("--write-md", action="store_true", help="rewrite the lint-speed section of BENCHMARKS.md")
    ap.add_argument("--scaling", action="store_true", help="only lint time against file size (x1..x256)")
    args = ap.parse_args(argv)
    load_before = os.getloadavg()[0]
    if args.scaling:
        print("lint time against file size:")
        rows = scaling(args.repeats)
        if args.write_md:
            info = {"date": time.strftime("%Y-%m-%d"), "python": platform.python_version(), "platform": platform.platform(),
                    "load_before": load_before, "load_after": os.getloadavg()[0], "repeats": args.repeats}  # fmt: skip
            print(f"wrote {write_section('lint-scaling', scaling_markdown(rows, info))}", file=sys.stderr)
        return 0
    root = os.path.dirname(torch.__file__)
    files = collect([root])
    dt, cpu, findings = best_of(args.repeats, lambda: lint_paths([root], jobs=args.jobs))
    print(f"torch {torch.__version__}: {len(files)} files in {dt:.2f} s with {args.jobs} jobs "
          f"= {len(files) / dt:.0f} files/s (best of {args.repeats}); {cpu:.2f} CPU s "
          f"= {len(files) / cpu * args.jobs:.0f} files/s on {args.jobs} idle cores")  # fmt: skip
    counts = dict(sorted(Counter(f.code for f in findings).items()))
    names = {f.code: f.name for f in findings}
    for code, n in counts.items():
        print(f"  {code} {names[code]:26} {n}")
    if not counts:
        print("  no findings")
    for f in findings:
        if args.show and f.code == args.show:
            print(f"{f.where[0]}: {f.code} {f.message}")
    rows = compare(files, args) if args.compare else []
    if args.write_md:
        info = {
            "date": time.strftime("%Y-%m-%d"), "python": platform.python_version(), "torch": torch.__version__,
            "platform": platform.platform(), "cpu_count": os.cpu_count(), "jobs": args.jobs,
            "load_before": load_before, "load_after": os.getloadavg()[0],
        }  # fmt: skip
        full = {"files": len(files), "seconds": dt, "files_per_s": len(files) / dt, "repeats": args.repeats,
                "cpu_s": cpu, "counts": counts}  # fmt: skip
        command = f"python benchmarks/lint_speed.py --jobs {args.jobs}" + (f" --compare --sample {args.sample}" if args.compare else "")
        if args.dslinter_python:
            command += f" --dslinter-python {args.dslinter_python}"
        print(f"wrote {write_section('lint-speed', markdown(info, full, rows, command + ' --write-md'))}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
