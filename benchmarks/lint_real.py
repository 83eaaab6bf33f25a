"""False alarms on real code: `torchvitals lint` over the installed source of well-known
training libraries (Lightning, Hugging Face transformers, torch itself).

    python benchmarks/lint_real.py                   # table: files, seconds, findings per code
    python benchmarks/lint_real.py --show all        # every finding with its source line
    python benchmarks/lint_real.py --show TVL013     # the findings of one code
    python benchmarks/lint_real.py --write-md        # also rewrite the `lint-real` section of BENCHMARKS.md
    python benchmarks/lint_real.py --json out.json   # also write the numbers and findings

This is library code, not training scripts, so a finding here is more likely a false alarm
than on a user's script: every one was read by hand. REVIEWED holds the verdicts, keyed by
file, code and source line (not line number, so they survive small upstream edits); a finding
that is not in it is printed as "not reviewed", which means someone has to read it.
The packages are located with importlib's finder and never imported: lint must not execute
the code it reads. This is a benchmark, not a test: it always exits 0 (the budget that fails
is in tests/test_lint_real.py).
"""

from __future__ import annotations

import argparse
import importlib.metadata
import importlib.util
import json
import os
import platform
import sys
import time
from collections import Counter
from pathlib import Path
from typing import Any

from bench_md import write_section

from torchvitals.lint import collect, lint_paths

PACKAGES = ["lightning", "pytorch_lightning", "transformers", "torch"]

# (path inside site-packages, code, source line stripped) -> verdict, from reading each finding.
REVIEWED: dict[tuple[str, str, str], str] = {
    (
        "transformers/models/oneformer/modeling_oneformer.py",
        "TVL005",
        "self.input_projections.append(nn.Conv2d(in_features, hidden_dim, kernel_size=1))",
    ): "real: `OneFormerTransformerModule.input_projections` is a plain list; when "
    "`in_features != hidden_dim` its Conv2d layers are missing from `.parameters()`, `state_dict()` "
    "and `.to()` (the sibling pixel decoder uses `nn.ModuleList`)",
    (
        "transformers/integrations/executorch.py",
        "TVL013",
        "return self.model.forward(input_ids=input_ids, inputs_embeds=inputs_embeds)",
    ): "debatable: an export wrapper's `forward` delegates with `.forward()`, skipping the inner "
    "module's hooks; not a training path, harmless unless someone hooks the inner module",
    (
        "torch/testing/_internal/distributed/ddp_under_dist_autograd_test.py",
        "TVL013",
        "output = self.hybrid_module.forward(b)",
    ): "real: a training loop (dist_autograd backward) calls the model's `.forward()` directly; "
    "hooks on it would be skipped",
    (
        "torch/testing/_internal/distributed/distributed_test.py",
        "TVL013",
        "output = model.forward(input)",
    ): "real: `DistributedDataParallel(...).forward(input)` in a loop with `loss.backward()`; "
    "forward hooks are skipped (DDP's own bookkeeping lives in `forward`, so this test still works)",
    (
        "torch/distributed/checkpoint/format_utils.py",
        "TVL014",
        "state_dict = torch.load(torch_save_path, weights_only=False)",
    ): "real by the rule's definition: the module's `__main__` converts `args.src` (a command-line "
    "path) with `torch_save_to_dcp(args.src, ...)`, which unpickles it with weights_only=False; a "
    "conversion tool the user points at their own file, but a crafted file runs code (found once "
    "torch.load's path is followed to the helper's callers)",
    (
        "torch/testing/_internal/py312_intrinsics.py",
        "TVL000",
        'def f[T](a: "This is a new annotation"):  # noqa: F722',
    ): "debatable: Python 3.12 syntax (PEP 695 type parameters) that the 3.11 running the linter "
    "cannot parse; true as 'not checked', not a bug in torch",
}

# What this benchmark found and the rules no longer report, each with a regression test.
FIXED = [
    "false alarm, transformers TVL002 2 -> 0: `Trainer.training_step` in `transformers/trainer.py` "
    "backpropagates itself and returns `loss.detach()` for logging; the rule took the return value "
    "for Lightning's loss. A `training_step` that calls backward is no longer judged by what it "
    "returns (clean twin `tests/lint_corpus/clean002_trainer_step.py`).",
    "duplicate, transformers TVL005 2 -> 1: OneFormer appends to one plain list in two branches, "
    "one bug reported twice; now one finding per attribute (`tests/test_lint_real.py`).",
]


def locate(name: str) -> str | None:
    """The package's source folder, found without importing it (None when not installed)."""
    spec = importlib.util.find_spec(name)
    if spec is None or not spec.submodule_search_locations:
        return None
    return list(spec.submodule_search_locations)[0]


def version(name: str) -> str:
    try:
        return importlib.metadata.version(name)
    except importlib.metadata.PackageNotFoundError:
        return "?"


def source_line(path: str, line: int) -> str:
    try:
        with open(path, encoding="utf-8", errors="replace") as f:
            for i, text in enumerate(f, start=1):
                if i == line:
                    return text.strip()
    except OSError:
        pass
    return ""


def lint_package(name: str, jobs: int) -> dict[str, Any] | None:
    root = locate(name)
    if root is None:
        return None
    base = os.path.dirname(root)
    files = collect([root])
    t0 = time.perf_counter()
    findings = lint_paths([root], jobs=jobs)
    seconds = time.perf_counter() - t0
    rows = []
    for f in findings:
        path, line = f.evidence["path"], f.evidence["line"]
        rel = os.path.relpath(path, base)
        src = source_line(path, line)
        rows.append({
            "path": rel, "line": line, "col": f.evidence.get("col", 0), "code": f.code, "name": f.name,
            "message": f.message, "source": src, "verdict": REVIEWED.get((rel, f.code, src), "not reviewed"),
        })  # fmt: skip
    return {
        "version": version(name),
        "root": root,
        "files": len(files),
        "seconds": round(seconds, 2),
        "counts": dict(sorted(Counter(r["code"] for r in rows).items())),
        "findings": rows,
    }


def machine_info(jobs: int) -> dict[str, Any]:
    return {
        "date": time.strftime("%Y-%m-%d"),
        "python": platform.python_version(),
        "platform": platform.platform(),
        "cpu_count": os.cpu_count(),
        "jobs": jobs,
        "torchvitals": version("torchvitals"),
    }


def print_table(results: dict[str, Any]) -> None:
    codes = sorted({c for r in results.values() for c in r["counts"]})
    head = f"{'package':18} {'version':>12} {'files':>6} {'seconds':>8} {'files/s':>8} " + " ".join(f"{c:>7}" for c in codes)
    print(head + f" {'total':>6}")
    for name, r in results.items():
        rate = r["files"] / r["seconds"] if r["seconds"] else 0.0
        cells = " ".join(f"{r['counts'].get(c, 0):>7}" for c in codes)
        print(f"{name:18} {r['version']:>12} {r['files']:>6} {r['seconds']:>8.2f} {rate:>8.0f} {cells} {len(r['findings']):>6}")


def show(results: dict[str, Any], code: str) -> None:
    for r in results.values():
        for f in r["findings"]:
            if code in ("all", f["code"]):
                print(f"\n{f['path']}:{f['line']}:{f['col']}: {f['code']} {f['message']}")
                print(f"    {f['source']}")
                print(f"    verdict: {f['verdict']}")


def markdown(results: dict[str, Any], info: dict[str, Any], command: str) -> str:
    codes = sorted({c for r in results.values() for c in r["counts"]})
    total = sum(len(r["findings"]) for r in results.values())
    files = sum(r["files"] for r in results.values())
    lines = [
        "## Lint on real code",
        "",
        f"`{command}` on {info['platform']} ({info['cpu_count']} cores, `--jobs {info['jobs']}`), "
        f"python {info['python']}, torchvitals {info['torchvitals']}, {info['date']}. The installed source "
        "of each package, every `.py` file; library code rather than training scripts, so each finding "
        "was read by hand. Seconds are wall time on a machine other people were using, so they are "
        "pessimistic (speed proper is in *Lint speed*).",
        "",
        "| package | version | files | seconds | " + " | ".join(codes) + (" | " if codes else "") + "findings |",
        "|---|---|---|---|" + "---|" * len(codes) + "---|",
    ]
    for name, r in results.items():
        cells = "".join(f"{r['counts'].get(c, 0)} | " for c in codes)
        lines.append(f"| {name} | {r['version']} | {r['files']} | {r['seconds']:.1f} | {cells}{len(r['findings'])} |")
    lines += ["", f"{total} findings in {files} files. Every finding, with its verdict:", ""]
    lines += ["| where | code | source | verdict |", "|---|---|---|---|"]
    for r in results.values():
        for f in r["findings"]:
            src = f["source"] if len(f["source"]) <= 90 else f["source"][:87] + "..."
            src = src.replace("|", "\\|")
            lines.append(f"| `{f['path']}:{f['line']}` | {f['code']} | `{src}` | {f['verdict']} |")
    if not total:
        lines.append("| — | — | — | no findings |")
    lines += ["", "Found by this benchmark and fixed in the rules (each guarded by a regression test):", ""]
    lines += [f"- {x}" for x in FIXED]
    lines += ["", "`tests/test_lint_real.py` lints the installed Lightning and a subset of transformers "
              "and fails when the findings exceed a small per-code budget."]  # fmt: skip
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--packages", default=",".join(PACKAGES), help="comma-separated import names")
    ap.add_argument("--jobs", type=int, default=os.cpu_count() or 1)
    ap.add_argument("--show", metavar="CODE", help="print every finding of this code (or 'all'), with its source line")
    ap.add_argument("--json", metavar="PATH", help="also write the results as JSON")
    ap.add_argument("--write-md", action="store_true", help="rewrite the lint-real section of BENCHMARKS.md")
    args = ap.parse_args(argv)
    results: dict[str, Any] = {}
    for name in [p.strip() for p in args.packages.split(",") if p.strip()]:
        r = lint_package(name, args.jobs)
        if r is None:
            print(f"{name}: not installed, skipped", file=sys.stderr)
            continue
        results[name] = r
    print_table(results)
    if args.show:
        show(results, args.show)
    unreviewed = [f for r in results.values() for f in r["findings"] if f["verdict"] == "not reviewed"]
    if unreviewed:
        print(f"\n{len(unreviewed)} findings not reviewed yet: read them with --show all", file=sys.stderr)
    info = machine_info(args.jobs)
    if args.json:
        Path(args.json).write_text(json.dumps({"info": info, "results": results}, indent=2))
    if args.write_md:
        command = "python benchmarks/lint_real.py --write-md" + (f" --jobs {args.jobs}" if args.jobs != (os.cpu_count() or 1) else "")
        if args.packages != ",".join(PACKAGES):
            command += f" --packages {args.packages}"
        print(f"wrote {write_section('lint-real', markdown(results, info, command))}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
