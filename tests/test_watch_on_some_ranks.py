"""watch() called on rank 0 only (logging is often guarded by `if rank == 0`), a 2-rank DDP job
under plain torchrun: rank 1 never opens its exchange. Rank 0 gives it up at its first look,
since DDP's ranks train in step, instead of stalling the whole job for dist_timeout (60 s), and
says why; the run is judged on rank 0's numbers and nothing is reported against rank 1's steps.
Under `torchvitals run` every rank is watched, and such a watch() joins the run's monitor."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from distributed import launch, teardown_abort_only, torchrun_cmd

pytestmark = pytest.mark.distributed

SCRIPT = str(Path(__file__).parent / "scripts" / "ddp_watch_rank0.py")


def test_a_rank_that_never_watches_is_given_up_and_named(tmp_path):
    out = tmp_path / "out"
    env = {"TORCHVITALS_OUT": str(out), "TORCHVITALS_CONSOLE": "0", "PYTHONPATH": str(Path(SCRIPT).parent)}
    res = launch(torchrun_cmd(2, SCRIPT), cwd=tmp_path, env=env)
    assert not res.timed_out and (res.returncode == 0 or teardown_abort_only(res)), res.output[-3000:]
    (run_dir,) = [p for p in out.iterdir() if p.is_dir()]
    recs = [json.loads(line) for line in (run_dir / "run.rank0.jsonl").read_text().splitlines()]
    (off,) = [r for r in recs if r.get("kind") == "dist-exchange-off"]
    assert off["absent"] == [1] and "never started watching" in off["reason"] and "within 2 s" in off["reason"], off
    found = json.loads((run_dir / "findings.json").read_text())
    assert found["verdict"] == "healthy", found["findings"]
