"""The linter never crashes on valid code: every `.py` file of the installed site-packages
(torch, transformers, lightning and all their dependencies), every rule run on every file with
STRICT on, so a rule that raises is counted (a TVL099 "lint-rule-error" for the user), not
hidden.

    python benchmarks/lint_sitepackages.py                 # table: files, seconds, crashes
    python benchmarks/lint_sitepackages.py --prefilter     # as shipped: files no rule can match skipped
    python benchmarks/lint_sitepackages.py --write-md      # also rewrite the section of BENCHMARKS.md
    python benchmarks/lint_sitepackages.py --root DIR      # another tree

By default the pre-filter is off (every file parsed and walked by every rule): the shipped
linter never parses most of these files, but a rule that crashes on one of them would crash on
the same construct in a training script. Each crash is printed with its file and traceback.
Files that do not parse with this Python (TVL000) are counted apart: they are not crashes.
This is a benchmark, not a test: it always exits 0 (the rule-level guard is in the tests).
"""

from __future__ import annotations

import argparse
import os
import platform
import site
import sys
import time
import traceback
from collections import Counter
from concurrent.futures import ProcessPoolExecutor
from typing import Any

from bench_md import write_section

import torchvitals.lint.engine as engine
import torchvitals.lint.files as lint_files
from torchvitals.lint import collect, lint_file


def site_packages() -> str:
    """The site-packages of the interpreter running this (the project's virtual environment)."""
    for p in site.getsitepackages():
        if p.endswith("site-packages") and os.path.isdir(p):
            return p
    raise SystemExit("no site-packages found")


def lint_strict(path: str, prefilter: bool) -> tuple[str, list[str], str | None]:
    """(path, codes found, the traceback of a crash or None), STRICT on."""
    engine.STRICT = True
    if not prefilter:
        lint_files.might_match = lambda text: True
    try:
        return path, [f.code for f in lint_file(path)], None
    except Exception:  # noqa: BLE001 - every crash is what this benchmark counts
        return path, [], traceback.format_exc(limit=-4)


def run(root: str, jobs: int, prefilter: bool) -> dict[str, Any]:
    files = [f for f in collect([root]) if f.endswith(".py")]
    t0 = time.perf_counter()
    if jobs > 1:
        with ProcessPoolExecutor(max_workers=jobs) as pool:
            out = list(pool.map(lint_strict, files, [prefilter] * len(files), chunksize=64))
    else:
        out = [lint_strict(f, prefilter) for f in files]
    seconds = time.perf_counter() - t0
    crashes = [(p, tb) for p, _, tb in out if tb]
    codes = Counter(c for _, cs, _ in out for c in cs)
    tops = Counter(os.path.relpath(f, root).split(os.sep)[0] for f in files)
    return {
        "root": root, "files": len(files), "seconds": round(seconds, 1), "crashes": crashes,
        "codes": dict(sorted(codes.items())), "packages": len(tops), "prefilter": prefilter,
    }  # fmt: skip


def markdown(r: dict[str, Any], jobs: int, command: str) -> str:
    mode = "as shipped (files no rule can match are parsed, not walked)" if r["prefilter"] else (
        "with the pre-filter off: every file parsed and walked by every rule"
    )
    codes = ", ".join(f"{c} {n}" for c, n in r["codes"].items()) or "none"
    return "\n".join([
        "## Lint never crashes: site-packages",
        "",
        f"`{command}` on {platform.platform()} ({os.cpu_count()} cores, {jobs} workers), python "
        f"{platform.python_version()}, {time.strftime('%Y-%m-%d')}. Every `.py` file of the project's "
        f"installed site-packages (torch, transformers, lightning and all their dependencies, "
        f"{r['packages']} top-level entries), {mode}, STRICT on (a rule that raises is counted).",
        "",
        "| files | seconds | files/s | rule crashes (TVL099) | findings by code |",
        "|---|---|---|---|---|",
        f"| {r['files']} | {r['seconds']:.0f} | {r['files'] / max(r['seconds'], 1e-9):.0f} | "
        f"{len(r['crashes'])} | {codes} |",
        "",
        "Found by the first run of this benchmark (2026-11-30) and fixed: `TypeError: 'Constant' object is not iterable` (TVL009's name "
        "tracing took the `body` of a conditional expression, `None if targets is None else "
        "F.cross_entropy(...)`, for a statement list; regression tests in "
        "`tests/test_lint_hardening.py`, corpus file `tests/lint_corpus/clean_gpt_tied_cosine.py`).",
    ]) + "\n"  # fmt: skip


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--root", help="the tree to lint (default: this interpreter's site-packages)")
    ap.add_argument("--jobs", type=int, default=os.cpu_count() or 1)
    ap.add_argument("--prefilter", action="store_true", help="skip files no rule can match, as the linter does")
    ap.add_argument("--write-md", action="store_true", help="rewrite the lint-sitepackages section of BENCHMARKS.md")
    args = ap.parse_args(argv)
    r = run(args.root or site_packages(), args.jobs, args.prefilter)
    print(f"{r['files']} files in {r['seconds']} s ({r['files'] / max(r['seconds'], 1e-9):.0f} files/s), "
          f"{len(r['crashes'])} crashes; findings {r['codes']}")  # fmt: skip
    for path, tb in r["crashes"]:
        print(f"\n{path}\n{tb}")
    if args.write_md:
        command = "python benchmarks/lint_sitepackages.py --write-md" + (" --prefilter" if args.prefilter else "")
        print(f"wrote {write_section('lint-sitepackages', markdown(r, args.jobs, command))}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
