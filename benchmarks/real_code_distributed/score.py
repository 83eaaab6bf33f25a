"""False alarms and missed faults on real distributed code: public DDP/FSDP2 training scripts,
rewritten small (gloo on CPU, synthetic data), each launched as a 2-rank torchrun job under
`torchvitals run --nproc 2` (plain `torchvitals run` for a script that spawns its own ranks); the
healthy job must stay quiet and each injected bug be found.

    python benchmarks/real_code_distributed/score.py                 # everything, table printed
    python benchmarks/real_code_distributed/score.py --write-md      # and BENCHMARKS.md updated
    python benchmarks/real_code_distributed/score.py --scripts mingpt_ddp --json out.json

Every script here (but this one) is a plain PyTorch program that does not import torchvitals;
its header says where it comes from, its default arguments, and the bugs `--bug NAME` injects
with the findings that must then be reported (the same header as benchmarks/real_code):

    # real: source=https://github.com/pytorch/examples/blob/main/imagenet/main.py
    # real: args=
    # real: bug=eval-left-on expect=training-in-eval-mode

Each launch runs in its own process group with a hard timeout (the group is killed past it),
TORCHVITALS_OUT in a temporary folder; the job's findings are read from the findings.json rank 0
writes (else `torchvitals diagnose` of the record). Reported for each script: a crash (exit
code != 0 or a timeout), findings at warning or above on the healthy job (false alarms),
findings at info on it, and for each bug whether an expected finding reached warning and at
which iteration. It is a measurement: the exit code is 0 unless the runner itself breaks.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import platform
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import torch

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent.parent
sys.path.insert(0, str(HERE.parent))  # benchmarks/
from bench_md import write_section  # noqa: E402
from real_headers import Script, first_steps  # noqa: E402
from real_headers import discover as _discover  # noqa: E402

NPROC = 2
TIMEOUT = 240  # seconds per launch; a healthy one takes 10-40 s on 2 busy cores
TAIL = 600  # characters of a failed launch's output kept
SEVERITIES = ("info", "warning", "error", "critical")


def discover(only: set[str] | None = None) -> list[Script]:
    return _discover(HERE, only)


def job_env(out: str) -> dict[str, str]:
    """This checkout's torchvitals first on the path, output under `out`, no console, one thread
    per rank, no TORCHVITALS_* variables of the caller's."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("TORCHVITALS_")}
    env.update(
        PYTHONPATH=str(ROOT / "src") + os.pathsep + env.get("PYTHONPATH", ""),
        TORCHVITALS_OUT=out, TORCHVITALS_CONSOLE="0", OMP_NUM_THREADS="1", PYTHONUNBUFFERED="1",
    )
    return env


def read_findings(out: str) -> tuple[list[dict[str, Any]], str | None]:
    """Every finding of the job (name, severity, step) from rank 0's findings.json under `out`;
    else from `torchvitals diagnose --json` of the run directory. The second result says why
    nothing could be read."""
    run = Path(out) / "run"
    f = run / "findings.json"
    if f.is_file():
        data = json.loads(f.read_text())
        return _findings(data), None
    if not run.is_dir():
        return [], f"no run directory under {out}"
    proc = subprocess.run([sys.executable, "-m", "torchvitals", "diagnose", "--json", str(run)],
                          env=job_env(out), capture_output=True, text=True, timeout=120, check=False)
    try:
        data = json.loads(proc.stdout)
    except json.JSONDecodeError:
        return [], f"no findings.json, and diagnose failed: {(proc.stdout + proc.stderr)[-300:]}"
    return _findings(data), "no findings.json (diagnosed offline)"


def _findings(data: dict[str, Any]) -> list[dict[str, Any]]:
    return [{"name": x["name"], "severity": x.get("severity", "info"), "step": x.get("step"),
             "message": x.get("message", "")} for x in data.get("findings", [])]


# torch 2.13's gloo backend sometimes aborts a rank as its process exits, after the script has
# finished (a plain DDP script without torchvitals does it too: tests/distributed.py): the rank
# prints this line and torchrun exits non-zero. Not a crash when every rank's record ended.
TEARDOWN_ABORT = "terminate called without an active exception"


def _records_ended(out: str) -> bool:
    """Whether every rank's record under `out` ends with its `end` line."""
    files = sorted((Path(out) / "run").glob("run.rank*.jsonl"))
    try:
        last = [json.loads(f.read_text().rstrip().rsplit("\n", 1)[-1]) for f in files]
    except ValueError:
        return False
    return len(files) == NPROC and all(rec.get("type") == "end" for rec in last)


def launch(script: Script, args: list[str], out: str, timeout: float = TIMEOUT) -> dict[str, Any]:
    """`python -m torchvitals run --nproc 2 --name run SCRIPT ARGS` in its own process group
    (without --nproc for a script that starts its own ranks)."""
    nproc = [] if script.launch == "spawn" else ["--nproc", str(NPROC)]
    cmd = [sys.executable, "-m", "torchvitals", "run", *nproc, "--name", "run", str(script.path), *args]
    t0 = time.perf_counter()
    proc = subprocess.Popen(cmd, cwd=ROOT, env=job_env(out), stdout=subprocess.PIPE,
                            stderr=subprocess.STDOUT, text=True, start_new_session=True)
    try:
        output, _ = proc.communicate(timeout=timeout)
        error = None if proc.returncode == 0 else f"exit code {proc.returncode}"
        if error and TEARDOWN_ABORT in output and _records_ended(out):
            error = None  # torch's abort at exit, after the job had finished
    except subprocess.TimeoutExpired:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(proc.pid, signal.SIGKILL)  # torchrun and every rank
        output, _ = proc.communicate()
        error = f"killed after {timeout:.0f} s"
    findings, problem = read_findings(out)
    if error is None and problem and not findings:
        error = problem
    at_least = SEVERITIES.index("warning")
    return {
        "error": error, "tail": output[-TAIL:] if error else "",
        "warning": [f for f in findings if SEVERITIES.index(f["severity"]) >= at_least],
        "info": [f for f in findings if f["severity"] == "info"],
        "note": problem, "seconds": time.perf_counter() - t0,
    }


def score_script(script: Script, tmp: str) -> dict[str, Any]:
    print(f"  {script.name}: healthy", file=sys.stderr, flush=True)
    healthy = launch(script, script.args, os.path.join(tmp, script.name))
    row: dict[str, Any] = {
        "script": script.name, "source": script.source, "args": script.args,
        "crash": healthy["error"], "crash_tail": healthy["tail"], "false_alarms": healthy["warning"],
        "info": healthy["info"], "seconds": healthy["seconds"], "bugs": [],
    }
    for bug in script.bugs:
        print(f"  {script.name}: --bug {bug.name}", file=sys.stderr, flush=True)
        res = launch(script, [*script.args, "--bug", bug.name], os.path.join(tmp, f"{script.name}-{bug.name}"))
        found = first_steps(res["warning"])
        hits = {n: found[n] for n in bug.expect if n in found}
        row["bugs"].append({
            "bug": bug.name, "expect": bug.expect, "detected": bool(hits), "hits": hits,
            "first_step": min((s for s in hits.values() if s is not None), default=None),
            "reported": found, "findings": res["warning"], "crash": res["error"],
            "crash_tail": res["tail"], "seconds": res["seconds"],
        })
    return row


def score(scripts: list[Script]) -> dict[str, Any]:
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        for i, script in enumerate(scripts):
            print(f"[{i + 1}/{len(scripts)}] {script.name}", file=sys.stderr, flush=True)
            rows.append(score_script(script, tmp))
    bugs = [b for r in rows for b in r["bugs"]]
    return {
        "rows": rows, "scripts": len(rows),
        "crashes": [(r["script"], r["crash"]) for r in rows if r["crash"]],
        "false_alarms": [(r["script"], f["name"]) for r in rows for f in r["false_alarms"]],
        "bugs": len(bugs), "bugs_found": sum(b["detected"] for b in bugs),
        "bug_crashes": [(r["script"], b["bug"], b["crash"]) for r in rows for b in r["bugs"] if b["crash"]],
        "healthy_seconds": round(sum(r["seconds"] for r in rows), 1),
        "seconds": round(sum(r["seconds"] + sum(b["seconds"] for b in r["bugs"]) for r in rows), 1),
    }


def _names(findings: list[dict[str, Any]]) -> str:
    return ", ".join(sorted({f"`{f['name']}`" for f in findings})) or "—"


def _bug_cell(b: dict[str, Any]) -> str:
    crash = " (crash)" if b["crash"] else ""
    if b["detected"]:
        hits = ", ".join(f"{n}@{s if s is not None else '?'}" for n, s in b["hits"].items())
        return f"{b['bug']} → {hits}{crash}"
    other = ", ".join(sorted(b["reported"]))
    return f"{b['bug']} → MISSED{crash}" + (f" (reported: {other})" if other else "")


def markdown(result: dict[str, Any], command: str, reading: str = "") -> str:
    n_alarm_scripts = len({s for s, _ in result["false_alarms"]})
    lines = [
        "## Real code, distributed (torchrun, 2 ranks)",
        "",
        f"`{command}` on {platform.machine()} ({os.cpu_count()} cores), python "
        f"{platform.python_version()}, torch {torch.__version__}, {time.strftime('%Y-%m-%d')}; "
        f"every job `torchvitals run --nproc {NPROC}` (gloo, CPU), or plain `torchvitals run` for a script "
        f"that starts its {NPROC} ranks itself (torch.multiprocessing.spawn); healthy jobs "
        f"{result['healthy_seconds']} s, all jobs {result['seconds']} s.",
        "",
        f"- **Scripts**: {result['scripts']} rewrites of public DDP/FSDP2 training scripts "
        "(benchmarks/real_code_distributed/), synthetic data.",
        f"- **Crashes** of the healthy job: {len(result['crashes'])}"
        + (": " + ", ".join(c for c, _ in result["crashes"]) if result["crashes"] else "")
        + f"; of a bug's job: {len(result['bug_crashes'])}.",
        f"- **False alarms** (warning or above on the healthy job): {len(result['false_alarms'])} "
        f"in {n_alarm_scripts} scripts; target 0.",
        f"- **Injected bugs found** (an expected finding at warning or above): "
        f"{result['bugs_found']}/{result['bugs']}.",
        "",
        "| script | source | crash | warning+ (healthy) | info (healthy) | bugs | healthy s |",
        "|---|---|---|---|---|---|---|",
    ]
    for r in result["rows"]:
        bugs = "; ".join(_bug_cell(b) for b in r["bugs"]) or "—"
        lines.append(f"| {r['script']} | {r['source']} | {'crash' if r['crash'] else 'no'} | "
                     f"{_names(r['false_alarms'])} | {_names(r['info'])} | {bugs} | {r['seconds']:.0f} |")
    failed = [(r["script"], r["crash"], r["crash_tail"]) for r in rows_and_bugs(result)]
    if failed:
        lines += ["", "Crashes (last line of output):"]
        for name, why, tail in failed:
            last = next((ln.strip() for ln in reversed(tail.splitlines()) if ln.strip()), "")
            lines.append(f"- {name}: {why}: {last}")
    if reading:
        lines += ["", reading.strip()]
    return "\n".join(lines) + "\n"


def rows_and_bugs(result: dict[str, Any]) -> list[dict[str, Any]]:
    """The healthy jobs and bug jobs that crashed, each as {script, crash, crash_tail}."""
    out = []
    for r in result["rows"]:
        if r["crash"]:
            out.append(r)
        for b in r["bugs"]:
            if b["crash"]:
                out.append({"script": f"{r['script']} --bug {b['bug']}", "crash": b["crash"],
                            "crash_tail": b["crash_tail"]})
    return out


READING = HERE / "reading.md"  # the short reading under the table, written after a run


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--scripts", help="comma-separated script names (file stems); default: all")
    ap.add_argument("--json", metavar="PATH", help="also write the result as JSON")
    ap.add_argument("--from-json", metavar="PATH",
                    help="render a result --json wrote earlier instead of running (to rewrite the reading)")
    ap.add_argument("--write-md", action="store_true",
                    help="replace BENCHMARKS.md's real-code-distributed section (all scripts only)")
    args = ap.parse_args(argv)
    only = {s.strip() for s in args.scripts.split(",")} if args.scripts else None
    if args.from_json:
        result = json.loads(Path(args.from_json).read_text())
    else:
        scripts = discover(only)
        if not scripts:
            print("no scripts found", file=sys.stderr)
            return 2
        result = score(scripts)
    command = "python benchmarks/real_code_distributed/score.py" + (f" --scripts {args.scripts}" if args.scripts else "")
    reading = READING.read_text() if READING.is_file() and only is None else ""
    section = markdown(result, command, reading)
    print(section)
    if args.json:
        Path(args.json).write_text(json.dumps(result, indent=2, default=str))
    if args.write_md and only is None:
        print(f"wrote {write_section('real-code-distributed', section)}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
