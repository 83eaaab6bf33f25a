"""Real torchrun jobs (gloo, CPU, two processes), each launched through tests/distributed.py
(own process group, hard timeout): the four ways a user starts one.

  (a) `torchvitals run --nproc 2 SCRIPT`                                     the front
  (b) `torchrun --nproc_per_node=2 --standalone -m torchvitals run SCRIPT`   torchrun first
  (c) `torchrun … SCRIPT` where SCRIPT calls torchvitals.watch() itself
  (d) two nodes (two launchers, one process each) meeting at a c10d endpoint

Every one must give ONE run directory holding run.rank0.jsonl, run.rank1.jsonl and one
findings.json, the diagnosis printed once (by rank 0), and exit 0 on the healthy DDP script.
Only (a) fixes the name from outside (TORCHVITALS_NAME, set by the front); in (b)-(d) the
ranks agree on rank 0's name through the torch.distributed store.

Each launch costs seconds (three Python processes importing torch): keep them few.
"""

from __future__ import annotations

import json
import re
import sys
from pathlib import Path

import pytest
from distributed import (
    Launch,
    env_for,
    finish_all,
    free_port,
    launch,
    start,
    teardown_abort_only,
    torchrun_cmd,
)

pytestmark = pytest.mark.distributed

SCRIPTS = Path(__file__).parent / "scripts"
DDP = str(SCRIPTS / "ddp_train.py")
WATCH = str(SCRIPTS / "ddp_watch.py")
# The diagnosis's first line (diagnosis_text._headline), whatever the verdict.
HEADLINE = re.compile(r"^torchvitals: (\d+ problem\(s\)|nothing was judged|no problem in|no problems|no findings)", re.M)


def assert_one_job_directory(result: Launch, out: Path, world: int = 2) -> Path:
    """The contract of a multi-rank run, checked on what the launch left behind."""
    assert not result.timed_out, f"the job hung and was killed\n{result.output[-4000:]}"
    assert result.returncode == 0 or teardown_abort_only(result), result.output[-4000:]
    dirs = [p for p in out.iterdir() if p.is_dir()]
    assert len(dirs) == 1, f"one run directory for the whole job, got {sorted(p.name for p in dirs)}"
    run_dir = dirs[0]
    files = sorted(p.name for p in run_dir.iterdir())
    assert files == ["findings.json"] + [f"run.rank{k}.jsonl" for k in range(world)], files
    for k in range(world):
        lines = (run_dir / f"run.rank{k}.jsonl").read_text().splitlines()
        header = json.loads(lines[0])
        assert header["dist"]["rank"] == k and header["dist"]["world"] == world, header.get("dist")
        # Every rank closed its record: an abort at process exit (teardown_abort_only) came after.
        assert json.loads(lines[-1])["type"] == "end", lines[-1][:200]
    findings = json.loads((run_dir / "findings.json").read_text())
    # A healthy DDP job with set_epoch: the distributed rules' healthy control too.
    assert findings["verdict"] == "healthy", findings["findings"]
    assert len(HEADLINE.findall(result.output)) == 1, f"the diagnosis must be printed once (rank 0)\n{result.output[-4000:]}"
    assert str(run_dir) in result.output or run_dir.name in result.output
    return run_dir


def test_front_nproc(tmp_path):
    """(a) The front: torchrun under it, TORCHVITALS_NAME from it."""
    # --log_dir is also torchrun's option, --dup abbreviates two of its options: the script's.
    cmd = [sys.executable, "-m", "torchvitals", "run", "--nproc", "2", DDP, "--epochs", "2", "--log_dir", "runs", "--dup"]
    result = launch(cmd, cwd=tmp_path, env={"TORCHVITALS_OUT": str(tmp_path / "out")})
    assert "epoch 1: loss=" in result.stdout  # the script's own output passes through
    assert "script options: log_dir=runs dup=True" in result.stdout
    assert_one_job_directory(result, tmp_path / "out")


def test_torchrun_module(tmp_path):
    """(b) `torchrun -m torchvitals run`: no name from outside, the store agrees on one."""
    cmd = torchrun_cmd(2, "-m", "torchvitals", "run", DDP, "--epochs", "2")
    result = launch(cmd, cwd=tmp_path, env={"TORCHVITALS_OUT": str(tmp_path / "out")})
    assert_one_job_directory(result, tmp_path / "out")


def test_watch_in_a_torchrun_script(tmp_path):
    """(c) The script calls watch() itself; torchrun runs it as it is."""
    result = launch(torchrun_cmd(2, WATCH, "2"), cwd=tmp_path, env={"TORCHVITALS_OUT": str(tmp_path / "out")})
    assert_one_job_directory(result, tmp_path / "out")


def test_two_nodes_one_directory(tmp_path):
    """(d) Two launchers at once, one process each, meeting at a c10d endpoint, no
    TORCHVITALS_NAME: each node's ranks learn rank 0's name through the store. Node 0 is started
    through the front, node 1 by plain torchrun: the front's multi-node command is what torchrun
    expects, and neither side names the run."""
    out = tmp_path / "out"
    endpoint, job = f"127.0.0.1:{free_port()}", f"tv-{tmp_path.name}"
    env = env_for({"TORCHVITALS_OUT": str(out)})
    node0 = [sys.executable, "-m", "torchvitals", "run", "--nproc", "1", "--nnodes", "2", "--node-rank", "0",
             "--rdzv-endpoint", endpoint, "--rdzv-id", job, DDP, "--epochs", "2"]
    node1 = torchrun_cmd(1, "--nnodes=2", "--node_rank=1", "--rdzv_backend=c10d", f"--rdzv_endpoint={endpoint}",
                         f"--rdzv_id={job}", "-m", "torchvitals", "run", DDP, "--epochs", "2", standalone=False)
    procs = [start(node0, tmp_path, env), start(node1, tmp_path, env)]
    results = finish_all(procs)
    for r in results:
        assert not r.timed_out and (r.returncode == 0 or teardown_abort_only(r)), r.output[-4000:]
    both = Launch(0, "".join(r.stdout for r in results), "".join(r.stderr for r in results), False)
    assert_one_job_directory(both, out)


def test_only_torchs_abort_at_exit_is_forgiven():
    """The harness lets a launch through only when torch's gloo teardown abort is the whole
    failure; a script's own error, a hang or a clean exit are what they are."""
    report = ("Traceback (most recent call last):\n  File \"torch/distributed/run.py\"\n"
              "torch.distributed.elastic.multiprocessing.errors.ChildFailedError:\n")
    abort = "torchvitals: no findings\nterminate called without an active exception\nfailed (exitcode: -6) local_rank: 1\n"
    assert teardown_abort_only(Launch(1, "", abort + report, False))
    script_error = "Traceback (most recent call last):\n  File \"train.py\"\nValueError: bad\n"
    assert not teardown_abort_only(Launch(1, "", abort + script_error + report, False))
    assert not teardown_abort_only(Launch(1, "", "failed (exitcode: 1) local_rank: 0\n" + report, False))
    assert not teardown_abort_only(Launch(-9, "", abort, True))
    assert not teardown_abort_only(Launch(0, "", abort, False))
