"""Lint the installed torch package's source: files per second, and findings per code.

torch's own code is library code, not training scripts, so the findings should be few; each
one is worth reading as a possible false alarm.

    python benchmarks/lint_speed.py [--jobs N] [--show CODE]
"""

from __future__ import annotations

import argparse
import os
import time
from collections import Counter

import torch

from torchvitals.lint import collect, lint_paths


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--jobs", type=int, default=os.cpu_count() or 1)
    parser.add_argument("--show", default=None, help="print every finding of this code")
    args = parser.parse_args()
    root = os.path.dirname(torch.__file__)
    files = collect([root])
    t0 = time.perf_counter()
    findings = lint_paths([root], jobs=args.jobs)
    dt = time.perf_counter() - t0
    print(f"torch {torch.__version__}: {len(files)} files in {dt:.2f} s with {args.jobs} jobs "
          f"= {len(files) / dt:.0f} files/s")  # fmt: skip
    counts = Counter(f.code for f in findings)
    for code, n in sorted(counts.items()):
        print(f"  {code} {findings[[f.code for f in findings].index(code)].name:26} {n}")
    if not counts:
        print("  no findings")
    for f in findings:
        if args.show and f.code == args.show:
            print(f"{f.where[0]}: {f.code} {f.message}")


if __name__ == "__main__":
    main()
