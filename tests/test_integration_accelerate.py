"""A plain Accelerate loop (tests/scripts/accelerate_loop.py: prepare, accumulate(model) over 2
batches, accelerator.backward, clipping, a prepared scheduler) watched by `torchvitals.watch` on
the prepared objects and by `torchvitals run`: AcceleratedOptimizer's skipped calls while
accumulating are accumulation, not skipped steps; one seeded fault is found and its healthy twin
stays silent."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest

pytest.importorskip("accelerate")
sys.path.insert(0, str(Path(__file__).parent / "scripts"))

from accelerate_loop import loop  # noqa: E402

import torchvitals  # noqa: E402
from torchvitals.cli import main  # noqa: E402

SCRIPT = Path(__file__).parent / "scripts" / "accelerate_loop.py"
SEVERITY = {"info": 0, "warning": 1, "error": 2}


@pytest.fixture(autouse=True)
def _fresh_accelerate_state():
    """Accelerate keeps its state in process-wide singletons; each run starts from a fresh one."""
    from accelerate.state import AcceleratorState, GradientState

    yield
    AcceleratorState._reset_state(True)
    GradientState._reset_state()


def problems(findings) -> set[str]:
    return {f.name for f in findings if SEVERITY[f.severity] >= 1}


@pytest.mark.parametrize("fault", [None, "partial-opt"])
def test_watch_on_prepared_objects(tmp_path, fault):
    monitors = []
    loop(fault, on_prepared=lambda m, o, s: monitors.append(
        torchvitals.watch(m, o, scheduler=s, out=str(tmp_path), console=False)))
    diag = monitors[0].close()
    steps = [json.loads(x) for x in (Path(diag.run_dir) / "run.jsonl").read_text().splitlines()]
    c = next(r for r in steps if r["type"] == "end")["counters"][0]  # the whole run's counts
    assert c["max_accum"] == 2 and c["skipped"] == 0 and c["sched_orphans"] == 0
    assert c["backward"] == 16 and c["steps"] == 8 and c["sched_steps"] == 8
    assert [r for r in steps if r["type"] == "step"][0].get("clip")  # pre-clip norm, through accelerate
    assert diag.judged
    assert problems(diag.findings) == ({"unoptimized-parameters"} if fault else set())


def test_torchvitals_run_on_the_accelerate_script(tmp_path):
    code = main(["run", "--out", str(tmp_path), "--name", "r", str(SCRIPT), "--fault", "partial-opt"])
    found = json.loads((tmp_path / "r" / "findings.json").read_text())
    assert code == 0 and found["judged"]
    assert {f["name"] for f in found["findings"] if SEVERITY[f["severity"]] >= 1} == {"unoptimized-parameters"}
