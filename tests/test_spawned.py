"""Scripts that start their own ranks (torch.multiprocessing.spawn, as PyTorch's DDP tutorial
does; start_processes with fork) under plain `torchvitals run SCRIPT`: each process is watched
in itself, the job gets one run directory with every rank's record and one diagnosis, printed
once (rank 0), and the exit code follows it. Before, the script's own process saw no optimizer
and said that nothing could be judged."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest
from distributed import TEARDOWN_ABORT, free_port, launch

pytestmark = pytest.mark.distributed

SCRIPT = str(Path(__file__).parent / "scripts" / "ddp_spawn.py")
DIAGNOSIS = "torchvitals: no findings", "torchvitals: 1 problem(s)"


def _job(tmp_path: Path, *args: str) -> tuple[int, str, Path]:
    out = tmp_path / "out"
    cmd = [sys.executable, "-m", "torchvitals", "run", "--out", str(out), "--fail-on", "warning", SCRIPT, *args]
    result = launch(cmd, cwd=tmp_path, env={"MASTER_PORT": str(free_port())})
    assert not result.timed_out, result.output[-4000:]
    dirs = [p for p in out.iterdir() if p.is_dir()]
    assert len(dirs) == 1, f"one run directory for the job, got {dirs}\n{result.output[-4000:]}"
    run_dir = dirs[0]
    assert sorted(p.name for p in run_dir.iterdir()) == ["findings.json", "run.rank0.jsonl", "run.rank1.jsonl"]
    for k in (0, 1):
        lines = (run_dir / f"run.rank{k}.jsonl").read_text().splitlines()
        assert json.loads(lines[0])["dist"]["rank"] == k
        assert json.loads(lines[-1])["type"] == "end", f"rank {k}'s record did not end\n{result.output[-4000:]}"
    assert sum(result.output.count(d) for d in DIAGNOSIS) == 1, result.output[-4000:]
    code = result.returncode
    if code != 0 and TEARDOWN_ABORT in result.output:  # torch's gloo abort at exit, after the records ended
        code = 0 if "problem(s)" not in result.output else 1
    return code, result.output, run_dir


@pytest.mark.parametrize("start", ["spawn", "fork"])
def test_ranks_started_by_the_script_are_watched_as_one_job(tmp_path, start):
    code, output, run_dir = _job(tmp_path, "--start", start)
    assert code == 0, output[-4000:]
    assert json.loads((run_dir / "findings.json").read_text())["verdict"] == "healthy"
    assert "torchvitals: watching SGD" in output and "trained" in output


def test_a_fault_between_spawned_ranks_is_found_and_fails_the_gate(tmp_path):
    code, output, run_dir = _job(tmp_path, "--fault", "rank0-nudge")
    assert code == 1, output[-4000:]
    found = {f["name"] for f in json.loads((run_dir / "findings.json").read_text())["findings"]}
    assert "ranks-out-of-sync" in found


def test_a_process_whose_watch_cannot_start_trains_unwatched(capsys):
    """Whatever breaks in torchvitals inside a started process stays there: the script's
    function runs, as it would without torchvitals, and the reason is said once."""
    from torchvitals.spawned import Worker

    class Broken:
        def __init__(self, **kwargs):
            raise RuntimeError("no session here")

    assert Worker(lambda index, x: (index, x), Broken, "train.py", {})(1, "batch") == (1, "batch")
    assert "watching a started process failed (RuntimeError: no session here); it runs unwatched" in capsys.readouterr().err


def test_started_processes_that_never_trained_are_not_judged_and_say_why(tmp_path):
    from torchvitals.spawned import job_diagnosis

    diag = job_diagnosis(str(tmp_path / "never-written"), "ProcessExitedException: process 1 terminated with exit code 1")
    assert not diag.judged and diag.exit_code() == 1
    assert "none of them made a torch.optim optimizer" in diag.not_judged
    assert diag.stopped.startswith("ProcessExitedException")
