"""False alarms on real code: well-known public training scripts, rewritten small with synthetic
data, run under `torchvitals run`; the healthy run must stay quiet and each injected bug found.

    python benchmarks/real_code/score.py                      # everything; writes BENCHMARKS.md
    python benchmarks/real_code/score.py --scripts dcgan,vae  # a subset (file stems), no file written
    python benchmarks/real_code/score.py --no-overhead --json out.json

Every script in this folder (but this one) is a plain PyTorch program that does not import
torchvitals; its header says where it comes from, its default arguments, and the bugs that
`--bug NAME` injects with the findings that must then be reported:

    # real: source=https://github.com/pytorch/examples/blob/main/dcgan/main.py
    # real: args=--upscale_factor 2
    # real: bug=d-not-zeroed expect=grads-not-cleared[,other-finding]

For each script: (a) the healthy run, in this process as the fault zoo runs its cases: a crash
(exit code != 0 or an exception), findings at warning or above (false alarms), findings at
info; (b) each bug: whether an expected finding reached warning, and at which iteration;
(c) overhead: `python SCRIPT` and `python -m torchvitals run SCRIPT` as subprocesses,
interleaved, best of --repeats, and their ratio. It is a measurement: the exit code is 0
unless the runner itself breaks.
"""

from __future__ import annotations

import argparse
import contextlib
import gc
import io
import json
import os
import platform
import subprocess
import sys
import tempfile
import time
import traceback
from pathlib import Path
from typing import Any

import torch

from torchvitals.run import run_script

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))  # benchmarks/
from bench_md import write_section  # noqa: E402
from real_headers import Script, first_steps  # noqa: E402
from real_headers import discover as _discover  # noqa: E402

HERE = Path(__file__).resolve().parent
TAIL_LINES = 12


def discover(only: set[str] | None = None) -> list[Script]:
    return _discover(HERE, only)


def _finding(f: Any) -> dict[str, Any]:
    return {"name": f.name, "severity": f.severity, "step": f.step, "message": f.message,
            "where": list(f.where)}


def run_case(path: Path, args: list[str], out: str) -> dict[str, Any]:
    """Run one script under torchvitals in this process, quietly. Returns the crash (None or
    the reason with the last lines of output), the findings (warning+ and info) and seconds."""
    t0 = time.perf_counter()
    sink = io.StringIO()
    try:
        with contextlib.redirect_stdout(sink), contextlib.redirect_stderr(sink):
            code, diag = run_script(str(path), args, {"out": out, "name": "run", "console": False})
    except Exception as exc:  # torchvitals itself broke: reported, the suite goes on
        tail = traceback.format_exc().strip().splitlines()[-TAIL_LINES:]
        return {"error": f"{type(exc).__name__}: {exc}", "tail": tail, "warning": [], "info": [],
                "seconds": time.perf_counter() - t0}
    seconds = time.perf_counter() - t0
    gc.collect()  # the script's leftovers (a persistent-worker DataLoader) go now, not in the next script's loop
    output = sink.getvalue().strip().splitlines()
    error = None if code == 0 else f"exit code {code}"
    warning = [_finding(f) for f in diag.at_least("warning")]
    info = [_finding(f) for f in diag.findings if f.severity == "info"]
    return {"error": error, "tail": output[-TAIL_LINES:] if error else [], "warning": warning,
            "info": info, "notes": list(diag.notes), "seconds": seconds}


def _timed(cmd: list[str], cwd: str) -> tuple[float, int]:
    t0 = time.perf_counter()
    proc = subprocess.run(cmd, cwd=cwd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                          timeout=900, check=False)
    return time.perf_counter() - t0, proc.returncode


def overhead(script: Script, repeats: int) -> dict[str, Any]:
    """`python SCRIPT` vs `python -m torchvitals run --out TMP SCRIPT`, interleaved, best of N."""
    plain, watched, codes = [], [], set()
    with tempfile.TemporaryDirectory() as tmp:
        for i in range(repeats):
            s, c = _timed([sys.executable, str(script.path), *script.args], tmp)
            plain.append(s)
            codes.add(("plain", c))
            s, c = _timed([sys.executable, "-m", "torchvitals", "run", "--out",
                           os.path.join(tmp, "runs"), "--name", f"r{i}", str(script.path),
                           *script.args], tmp)
            watched.append(s)
            codes.add(("run", c))
    best_plain, best_run = min(plain), min(watched)
    return {"plain_s": best_plain, "run_s": best_run, "ratio": best_run / best_plain,
            "exit_codes": sorted(codes)}


def score_script(script: Script, tmp: str, with_overhead: bool = True,
                 repeats: int = 3) -> dict[str, Any]:
    healthy = run_case(script.path, script.args, os.path.join(tmp, script.name))
    row: dict[str, Any] = {
        "script": script.name, "source": script.source, "args": script.args,
        "crash": healthy["error"], "crash_tail": healthy["tail"],
        "false_alarms": healthy["warning"], "info": healthy["info"],
        "notes": healthy.get("notes", []), "seconds": healthy["seconds"], "bugs": [],
    }
    for bug in script.bugs:
        res = run_case(script.path, [*script.args, "--bug", bug.name],
                       os.path.join(tmp, f"{script.name}-{bug.name}"))
        found = first_steps(res["warning"])
        hits = {n: found[n] for n in bug.expect if n in found}
        row["bugs"].append({
            "bug": bug.name, "expect": bug.expect, "detected": bool(hits), "hits": hits,
            "first_step": min((s for s in hits.values() if s is not None), default=None),
            "reported": found, "findings": res["warning"], "crash": res["error"],
            "crash_tail": res["tail"], "seconds": res["seconds"],
        })
    if with_overhead:
        row["overhead"] = overhead(script, repeats)
    return row


def score(scripts: list[Script], with_overhead: bool = True, repeats: int = 3) -> dict[str, Any]:
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        for i, script in enumerate(scripts):
            print(f"[{i + 1}/{len(scripts)}] {script.name}", file=sys.stderr, flush=True)
            rows.append(score_script(script, tmp, with_overhead, repeats))
    bugs = [b for r in rows for b in r["bugs"]]
    return {
        "rows": rows,
        "scripts": len(rows),
        "crashes": [(r["script"], r["crash"]) for r in rows if r["crash"]],
        "false_alarms": [(r["script"], f["name"]) for r in rows for f in r["false_alarms"]],
        "bugs": len(bugs),
        "bugs_found": sum(b["detected"] for b in bugs),
        "bug_crashes": [(r["script"], b["bug"], b["crash"]) for r in rows for b in r["bugs"]
                        if b["crash"]],
        "healthy_seconds": round(sum(r["seconds"] for r in rows), 1),
        "seconds": round(sum(r["seconds"] + sum(b["seconds"] for b in r["bugs"]) for r in rows), 1),
    }


def _names(findings: list[dict[str, Any]]) -> str:
    return ", ".join(sorted({f"`{f['name']}`" for f in findings})) or "—"


def _bug_cell(b: dict[str, Any]) -> str:
    if b["detected"]:
        hits = ", ".join(f"{n}@{s if s is not None else '?'}" for n, s in b["hits"].items())
        return f"{b['bug']} → {hits}"
    other = ", ".join(sorted(b["reported"]))
    crash = " (crash)" if b["crash"] else ""
    return f"{b['bug']} → MISSED{crash}" + (f" (reported: {other})" if other else "")


def markdown(result: dict[str, Any], command: str) -> str:
    n_alarm_scripts = len({s for s, _ in result["false_alarms"]})
    lines = [
        "## Real code",
        "",
        f"`{command}` on {platform.machine()} ({os.cpu_count()} cores), python "
        f"{platform.python_version()}, torch {torch.__version__}, {time.strftime('%Y-%m-%d')}; "
        f"healthy runs {result['healthy_seconds']} s, all in-process runs {result['seconds']} s.",
        "",
        f"- **Scripts**: {result['scripts']} rewrites of public training scripts "
        "(benchmarks/real_code/), synthetic data.",
        f"- **Crashes** of the healthy run under `torchvitals run`: {len(result['crashes'])}"
        + (": " + ", ".join(c for c, _ in result["crashes"]) if result["crashes"] else "") + ".",
        f"- **False alarms** (warning or above on the healthy run): {len(result['false_alarms'])} "
        f"in {n_alarm_scripts} scripts; target 0.",
        f"- **Injected bugs found** (an expected finding at warning or above): "
        f"{result['bugs_found']}/{result['bugs']}.",
        "",
        "| script | source | crash | warning+ (healthy) | info (healthy) | bugs | plain s | run s | ratio |",
        "|---|---|---|---|---|---|---|---|---|",
    ]
    for r in result["rows"]:
        ov = r.get("overhead")
        plain = f"{ov['plain_s']:.1f}" if ov else "—"
        run = f"{ov['run_s']:.1f}" if ov else "—"
        ratio = f"{ov['ratio']:.2f}×" if ov else "—"
        crash = "crash" if r["crash"] else "no"
        bugs = "; ".join(_bug_cell(b) for b in r["bugs"]) or "—"
        lines.append(f"| {r['script']} | {r['source']} | {crash} | {_names(r['false_alarms'])} | "
                     f"{_names(r['info'])} | {bugs} | {plain} | {run} | {ratio} |")
    if result["crashes"]:
        lines += ["", "Crashes (last lines):"]
        for r in result["rows"]:
            if r["crash"]:
                tail = " / ".join(line.strip() for line in r["crash_tail"][-3:])
                lines.append(f"- {r['script']}: {r['crash']}: {tail}")
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--scripts", help="comma-separated script names (file stems); default: all")
    ap.add_argument("--no-overhead", action="store_true", help="skip the subprocess timing")
    ap.add_argument("--repeats", type=int, default=3, help="timing repeats, best of N (3)")
    ap.add_argument("--json", metavar="PATH", help="also write the result as JSON")
    ap.add_argument("--no-write", action="store_true", help="do not update BENCHMARKS.md")
    args = ap.parse_args(argv)
    torch.set_num_threads(1)
    only = {s.strip() for s in args.scripts.split(",")} if args.scripts else None
    scripts = discover(only)
    if not scripts:
        print("no scripts found", file=sys.stderr)
        return 2
    result = score(scripts, with_overhead=not args.no_overhead, repeats=args.repeats)
    command = "python benchmarks/real_code/score.py" + (
        f" --scripts {args.scripts}" if args.scripts else "") + (
        " --no-overhead" if args.no_overhead else "") + (
        f" --repeats {args.repeats}" if args.repeats != 3 else "")
    section = markdown(result, command)
    print(section)
    if args.json:
        Path(args.json).write_text(json.dumps(result, indent=2, default=str))
    if not args.no_write and only is None:
        print(f"wrote {write_section('real-code', section)}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
