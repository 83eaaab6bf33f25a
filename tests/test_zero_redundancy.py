"""ZeroRedundancyOptimizer (ZeRO-1 over DDP) under `torchvitals run`, two forked ranks: the
optimizer the loop steps is watched, and the AdamW it builds for its rank's shard is not watched
as a second optimizer (before, every record was doubled with an optimizer the loop never
stepped, holding a rank's share of the parameters). The control: lr=0 is still found."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from distributed import fork_job

pytestmark = pytest.mark.distributed

SCRIPT = str(Path(__file__).parent / "scripts" / "zero_ddp.py")


def _job(tmp_path: Path, *flags: str) -> tuple[dict, list[dict]]:
    env = {"TORCHVITALS_OUT": str(tmp_path), "TORCHVITALS_NAME": "run", "TORCHVITALS_CONSOLE": "0",
           "TORCHVITALS_DIST_TIMEOUT": "30"}
    res = fork_job(2, ["run", SCRIPT, *flags], tmp_path, env, timeout=120)
    assert not res.timed_out and res.returncode == 0, res.output[-3000:]
    recs = [json.loads(line) for line in (tmp_path / "run" / "run.rank0.jsonl").read_text().splitlines()]
    return json.loads((tmp_path / "run" / "findings.json").read_text()), recs


def test_the_optimizer_the_loop_steps_is_the_one_watched(tmp_path):
    found, recs = _job(tmp_path)
    assert found["verdict"] == "healthy", found["findings"]
    optimizers = [o["type"] for r in recs if "optimizers" in r for o in r["optimizers"]]
    assert optimizers == ["ZeroRedundancyOptimizer"], optimizers
    assert {r["opt"] for r in recs if r.get("type") == "step"} == {0}


def test_a_zero_learning_rate_is_still_found(tmp_path):
    found, _ = _job(tmp_path, "--fault", "lr-zero")
    assert "parameters-not-moving" in {f["name"] for f in found["findings"] if f["severity"] != "info"}, found["findings"]
