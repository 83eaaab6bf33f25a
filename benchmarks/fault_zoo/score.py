"""Score torchvitals on the fault zoo: recall on seeded faults, false alarms on their fixed
twins and on healthy workloads, and how many iterations detection takes.

    python benchmarks/fault_zoo/score.py                 # everything; writes BENCHMARKS.md
    python benchmarks/fault_zoo/score.py --cases a,b     # a subset (file stems), no file written
    python benchmarks/fault_zoo/score.py --json out.json

Every case is a plain PyTorch script (no torchvitals import) run by `torchvitals run`, in this
process, exactly as a user would run it. A fault script's header names what must be found:

    # zoo: expect=skipped-steps,dead-parameters
    # zoo: source=a field report (step gate)
    # zoo: args=--epochs 3
    # zoo: onset=81        (a fault that begins mid-run: the iteration it first acts in)
    # zoo: nproc=2         (a torch.distributed job: run under torchrun with 2 processes)
    # zoo: single=lr_zero  (a data-parallel variant of that one-process case: same findings)

and `--fixed` turns it into its healthy twin. Healthy workloads say `# zoo: healthy`.
A case with nproc > 1 runs as `python -m torch.distributed.run --standalone --nproc_per_node N
-m torchvitals run CASE ARGS` (gloo on CPU) and is judged by the job's findings.json, which
rank 0 writes for the whole job. A case with `single=` is also compared with the one-process
case it names: the findings at warning and above must be the same.
A finding counts when it reaches warning; the step of first detection is the earliest
iteration at which an expected finding was first seen, and the iterations to detection count
from the fault's onset (iteration 1 unless the header says otherwise).
"""

from __future__ import annotations

import argparse
import contextlib
import gc
import io
import json
import os
import platform
import shlex
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import torch

import torchvitals
from torchvitals.findings import SEVERITIES
from torchvitals.run import run_script

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))  # benchmarks/
from bench_md import write_section  # noqa: E402

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent.parent
# Structural faults must be caught at the first optimizer step (a few iterations at most:
# exactly-zero gradients need 3 sampled iterations, a skip needs the next zero_grad).
STRUCTURAL = {"dead-parameters", "unoptimized-parameters", "skipped-steps", "grads-not-cleared"}
STRUCTURAL_WITHIN = 3
# A structural fault that begins mid-run can only be seen at the first sampled iteration after
# it begins (default sampling: every 50th).
DEFAULT_EVERY = 50
# A torchrun job (start-up of every rank included) that runs longer than this is killed with
# its process group and reported as an error: only a hang reaches it.
JOB_TIMEOUT = 300


def structural_deadline(onset: int) -> int:
    """The latest iteration at which a structural fault beginning at `onset` counts as on time."""
    if onset <= 1:
        return STRUCTURAL_WITHIN
    return -(-onset // DEFAULT_EVERY) * DEFAULT_EVERY


@dataclass
class Case:
    path: Path
    healthy: bool
    expect: list[str] = field(default_factory=list)
    source: str = ""
    args: list[str] = field(default_factory=list)
    onset: int = 1
    nproc: int = 1  # processes of a torch.distributed job (1: a plain script, run in this process)
    single: str = ""  # the one-process case this one is a data-parallel variant of

    @property
    def name(self) -> str:
        return self.path.stem


def parse_header(path: Path) -> Case:
    """Read the `# zoo:` lines at the top of a case script."""
    case = Case(path=path, healthy=False)
    for line in path.read_text().splitlines()[:20]:
        if not line.startswith("# zoo:"):
            continue
        body = line[len("# zoo:") :].strip()
        key, _, value = body.partition("=")
        key, value = key.strip(), value.strip()
        if key == "healthy":
            case.healthy = True
        elif key == "expect":
            case.expect = [v.strip() for v in value.split(",") if v.strip()]
        elif key == "source":
            case.source = value
        elif key == "args":
            case.args = shlex.split(value)
        elif key == "onset":
            case.onset = int(value)
        elif key == "nproc":
            case.nproc = int(value)
        elif key == "single":
            case.single = value
    if not case.healthy and not case.expect:
        raise ValueError(f"{path}: no '# zoo: expect=…' or '# zoo: healthy' header")
    return case


def discover(only: set[str] | None = None, distributed: bool = False) -> list[Case]:
    """The cases (all, or those named in `only`); `distributed`: only torch.distributed jobs,
    and the one-process cases they are variants of."""
    cases = []
    for folder in ("cases", "healthy"):
        for path in sorted((HERE / folder).glob("*.py")):
            if only is None or path.stem in only:
                cases.append(parse_header(path))
    if distributed:
        jobs = [c for c in cases if c.nproc > 1]
        singles = {c.single for c in jobs}
        cases = [c for c in cases if c.nproc > 1 or c.name in singles]
    return cases


def job_args(path: Path, args: list[str]) -> list[str]:
    """What torchrun runs on every rank: the case under `torchvitals run`, its run directory
    named `run` (rank 0 writes the job's findings.json there)."""
    return ["-m", "torchvitals", "run", "--name", "run", str(path), *args]


def job_env(out: str) -> dict[str, str]:
    """The environment of a torchrun job: this torchvitals first on the path, its output under
    `out`, no console, one thread per rank, no TORCHVITALS_* variables of the caller's."""
    src = str(Path(torchvitals.__file__).resolve().parent.parent)
    env = {k: v for k, v in os.environ.items() if not k.startswith("TORCHVITALS_")}
    env.update(
        PYTHONPATH=src + os.pathsep + env.get("PYTHONPATH", ""),
        TORCHVITALS_OUT=out, TORCHVITALS_NAME="run", TORCHVITALS_CONSOLE="0",
        OMP_NUM_THREADS="1", PYTHONUNBUFFERED="1",
    )
    return env


def torchrun(nproc: int, rest: list[str]) -> list[str]:
    return [sys.executable, "-m", "torch.distributed.run", "--standalone", f"--nproc_per_node={nproc}", *rest]


def read_job(out: str) -> tuple[dict[str, int | None], str | None]:
    """What a torchrun job found (name → first iteration, at warning and above), from the
    findings.json rank 0 wrote under `out`; else from `torchvitals diagnose` of its record
    (run.rank0.jsonl). The second result says why nothing could be read."""
    dirs = [Path(out) / "run"] if (Path(out) / "run").is_dir() else sorted(Path(out).glob("*/"))
    for d in dirs:
        f = d / "findings.json"
        if f.is_file():
            data = json.loads(f.read_text())
            warn = SEVERITIES.index("warning")
            sel = [x for x in data.get("findings", []) if SEVERITIES.index(x.get("severity", "info")) >= warn]
            return _first_steps((x["name"], x.get("step")) for x in sel), None
    for d in dirs:
        try:
            from torchvitals.offline import diagnose

            diag = diagnose(d)
        except Exception as exc:  # no record at all: say so, the zoo goes on
            return {}, f"no findings.json, and {d} cannot be diagnosed: {exc}"
        return _first_steps((x.name, x.step) for x in diag.at_least("warning")), "no findings.json (diagnosed offline)"
    return {}, f"no run directory under {out}"


def _first_steps(pairs: Any) -> dict[str, int | None]:
    found: dict[str, int | None] = {}
    for name, step in pairs:
        prev = found.get(name)
        found[name] = step if prev is None or (step is not None and step < prev) else prev
    return found


def run_job(path: Path, args: list[str], out: str, nproc: int, timeout: float = JOB_TIMEOUT) -> dict[str, Any]:
    """Run one torch.distributed case under torchrun and torchvitals; what the job found."""
    t0 = time.perf_counter()
    proc = subprocess.Popen(
        torchrun(nproc, job_args(path, args)), cwd=ROOT, env=job_env(out), stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT, text=True, start_new_session=True,
    )
    try:
        output, _ = proc.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(proc.pid, signal.SIGKILL)  # torchrun and every rank
        output, _ = proc.communicate()
        return {"error": f"killed after {timeout} s", "found": {}, "seconds": time.perf_counter() - t0}
    found, problem = read_job(out)
    error = None
    if proc.returncode != 0:
        error = f"torchrun exit code {proc.returncode}: {output[-300:]}"
    elif problem and not found:
        error = problem
    return {"error": error, "found": found, "seconds": time.perf_counter() - t0}


def run_any(case: Case, args: list[str], out: str) -> dict[str, Any]:
    if case.nproc > 1:
        return run_job(case.path, args, out, case.nproc)
    return run_case(case.path, args, out)


def run_case(path: Path, args: list[str], out: str) -> dict[str, Any]:
    """Run one script under torchvitals, quietly; what it found and how long it took."""
    t0 = time.perf_counter()
    sink = io.StringIO()
    try:
        with contextlib.redirect_stdout(sink), contextlib.redirect_stderr(sink):
            code, diag = run_script(str(path), args, {"out": out, "name": "run", "console": False})
        error = None if code == 0 else f"exit code {code}: {sink.getvalue()[-300:]}"
    except Exception as exc:  # a broken case is reported, the zoo goes on
        return {"error": f"{type(exc).__name__}: {exc}", "found": {}, "seconds": time.perf_counter() - t0}
    found = _first_steps((f.name, f.step) for f in diag.at_least("warning"))
    seconds = time.perf_counter() - t0
    # What the script left in reference cycles (its globals and functions) goes now: a DataLoader
    # with persistent workers among it shuts them down when collected, up to 5 s a worker, and
    # a collection that came later stalled another case's training loop (input-bound there).
    gc.collect()
    return {"error": error, "found": found, "seconds": seconds}


def score(cases: list[Case]) -> dict[str, Any]:
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        for i, case in enumerate(cases):
            print(f"[{i + 1}/{len(cases)}] {case.name}", file=sys.stderr, flush=True)
            row: dict[str, Any] = {
                "case": case.name, "healthy": case.healthy, "expect": case.expect, "source": case.source, "onset": case.onset,
                "nproc": case.nproc, "single": case.single,
            }
            if case.healthy:
                res = run_any(case, case.args, os.path.join(tmp, case.name))
                row.update(false_alarms=sorted(res["found"]), error=res["error"], seconds=res["seconds"])
            else:
                bug = run_any(case, case.args, os.path.join(tmp, case.name))
                twin = run_any(case, case.args + ["--fixed"], os.path.join(tmp, case.name + "-fixed"))
                hits = {n: bug["found"][n] for n in case.expect if n in bug["found"]}
                row.update(
                    reported=sorted(bug["found"]),
                    detected=bool(hits),
                    missed=[n for n in case.expect if n not in hits],
                    first_step=min((s for s in hits.values() if s is not None), default=None),
                    twin_false_alarms=sorted(twin["found"]),
                    error=bug["error"] or twin["error"],
                    seconds=bug["seconds"] + twin["seconds"],
                )
            rows.append(row)
        _compare_with_single(rows, tmp)
    faults = [r for r in rows if not r["healthy"]]
    healthy = [r for r in rows if r["healthy"]]
    alarms = [(r["case"] + " (fixed twin)", n) for r in faults for n in r["twin_false_alarms"]]
    alarms += [(r["case"], n) for r in healthy for n in r["false_alarms"]]
    steps = [r["first_step"] - r["onset"] + 1 for r in faults if r["detected"] and r["first_step"] is not None]
    structural = [r for r in faults if STRUCTURAL & set(r["expect"]) and r["detected"]]
    late = [
        r["case"] for r in structural if r["first_step"] is None or r["first_step"] > structural_deadline(r["onset"])
    ]
    return {
        "rows": rows,
        "faults": len(faults),
        "detected": sum(r["detected"] for r in faults),
        "recall": sum(r["detected"] for r in faults) / len(faults) if faults else float("nan"),
        "runs_without_fault": len(faults) + len(healthy),
        "false_alarms": alarms,
        "median_steps_to_detection": statistics.median(steps) if steps else None,
        "structural_late": late,
        "errors": [(r["case"], r["error"]) for r in rows if r.get("error")],
        "seconds": round(sum(r["seconds"] for r in rows), 1),
        "distributed": [r for r in rows if r["nproc"] > 1],
        "differ_from_single": [r["case"] for r in rows if r.get("single") and not r.get("same_as_single")],
    }


def _compare_with_single(rows: list[dict[str, Any]], tmp: str) -> None:
    """For each data-parallel variant (`single=`), the one-process case's findings (from its
    row when it ran too, else run here) and whether the two reported the same names."""
    by_name = {r["case"]: r for r in rows}
    for row in rows:
        if not row.get("single") or row["healthy"]:
            continue
        ref = by_name.get(row["single"])
        if ref is None:
            (case,) = discover({row["single"]})
            res = run_any(case, case.args, os.path.join(tmp, case.name + "-single"))
            row["seconds"] += res["seconds"]
            reported = sorted(res["found"])
        else:
            reported = ref["reported"]
        row["single_reported"] = reported
        row["same_as_single"] = reported == row["reported"]



def _number(x: float | None) -> str:
    """A median as people write it: 2, 2.5; a dash when there is none."""
    return "—" if x is None else f"{x:g}"

def markdown(result: dict[str, Any], command: str) -> str:
    lines = [
        "## Fault zoo",
        "",
        f"`{command}` on {platform.machine()} ({os.cpu_count()} cores), python {platform.python_version()}, "
        f"torch {torch.__version__}, {time.strftime('%Y-%m-%d')}; {result['seconds']} s in all.",
        "",
        f"- **Recall**: {result['detected']} of {result['faults']} seeded faults detected ({result['recall']:.0%}); target ≥ 95%.",
        f"- **False alarms** (warning or above on fixed twins and healthy workloads): {len(result['false_alarms'])} "
        f"over {result['runs_without_fault']} runs" + (": " + ", ".join(f"{c}: `{n}`" for c, n in result["false_alarms"]) if result["false_alarms"] else "") + "; target 0.",
        f"- **Median iterations to detection** (counted from the fault's onset): {_number(result['median_steps_to_detection'])}.",
        f"- **Structural faults later than iteration {STRUCTURAL_WITHIN}** (or, for one that begins mid-run, later "
        f"than the first sampled iteration after it begins): {', '.join(result['structural_late']) or 'none'}.",
        "",
        "| case | expected | reported (warning+) | first iteration | fixed twin | source |",
        "|---|---|---|---|---|---|",
    ]
    for r in result["rows"]:
        if r["healthy"]:
            continue
        mark = "✅" if r["detected"] else "❌"
        first = str(r["first_step"]) if r["first_step"] is not None else "—"
        if r.get("onset", 1) > 1:
            first += f" (fault from {r['onset']})"
        name = r["case"] + (f" ({r['nproc']} ranks)" if r.get("nproc", 1) > 1 else "")
        lines.append(
            f"| {name} | {', '.join(r['expect'])} | {mark} {', '.join(r['reported']) or '—'} | "
            f"{first} | {', '.join(r['twin_false_alarms']) or 'clean'} | {r['source']} |"
        )
    variants = [r for r in result["rows"] if r.get("single") and "single_reported" in r]
    if variants:
        lines += [
            "",
            "Data-parallel variants (torchrun, gloo on CPU) against the one-process case they repeat: the "
            "findings at warning and above must be the same.",
            "",
            "| variant | ranks | reported (warning+) | one-process case | its findings | same |",
            "|---|---|---|---|---|---|",
        ]
        for r in variants:
            lines.append(
                f"| {r['case']} | {r['nproc']} | {', '.join(r['reported']) or '—'} | {r['single']} | "
                f"{', '.join(r['single_reported']) or '—'} | {'✅' if r['same_as_single'] else '❌'} |"
            )
    lines += ["", "| healthy workload | findings at warning or above |", "|---|---|"]
    for r in result["rows"]:
        if r["healthy"]:
            lines.append(f"| {r['case']} | {', '.join(r['false_alarms']) or 'none'} |")
    if result["errors"]:
        lines += ["", "Errors: " + "; ".join(f"{c}: {e}" for c, e in result["errors"])]
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--cases", help="comma-separated case names (file stems); default: all")
    ap.add_argument("--json", metavar="PATH", help="also write the result as JSON")
    ap.add_argument("--no-write", action="store_true", help="do not update BENCHMARKS.md")
    ap.add_argument("--distributed", action="store_true",
                    help="only the torch.distributed cases (nproc > 1) and the one-process cases they repeat")
    args = ap.parse_args(argv)
    torch.set_num_threads(1)
    only = {c.strip() for c in args.cases.split(",")} if args.cases else None
    cases = discover(only, distributed=args.distributed)
    if not cases:
        print("no cases found", file=sys.stderr)
        return 2
    result = score(cases)
    command = "python benchmarks/fault_zoo/score.py" + (f" --cases {args.cases}" if args.cases else "")
    command += " --distributed" if args.distributed else ""
    section = markdown(result, command)
    print(section)
    if args.json:
        Path(args.json).write_text(json.dumps(result, indent=2, default=str))
    if not args.no_write and only is None and not args.distributed:
        print(f"wrote {write_section('fault-zoo', section)}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
