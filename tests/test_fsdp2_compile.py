"""FSDP2 with torch.compile (fully_shard, then compile) on two forked ranks under `torchvitals
run`. FSDP2's backward passes are counted by a hook on the model's output; once the forward is
traced, that hook is put on after the graph has run and never fires. Before, every step after
the first was reported as coming with no backward pass (a false ERROR parameters-not-moving),
and the batch probe failed on the traced forward. A step with no backward is now found from its
gradients (a new one since the last step is a backward pass nothing counted); the control: a
script that really stops calling backward is still found."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from distributed import fork_job

pytestmark = pytest.mark.distributed

SCRIPT = str(Path(__file__).parent / "scripts" / "fsdp2_compile.py")


def _job(tmp_path: Path, *flags: str) -> tuple[dict, str]:
    env = {"TORCHVITALS_OUT": str(tmp_path), "TORCHVITALS_NAME": "run", "TORCHVITALS_DIST_TIMEOUT": "30"}
    res = fork_job(2, ["run", SCRIPT, *flags], tmp_path, env, timeout=240)
    assert not res.timed_out and res.returncode == 0, res.output[-3000:]
    return json.loads((tmp_path / "run" / "findings.json").read_text()), res.output


def test_a_compiled_fsdp2_model_trains_without_false_alarms(tmp_path):
    found, output = _job(tmp_path)
    assert found["verdict"] == "healthy", found["findings"]
    assert "probe failed" not in output, output[-3000:]


def test_steps_with_no_backward_are_still_found_when_compiled(tmp_path):
    found, _ = _job(tmp_path, "--fault", "no-backward")
    names = {f["name"] for f in found["findings"] if f["severity"] != "info"}
    assert "parameters-not-moving" in names, found["findings"]
