"""The distributed fault zoo under torchrun (2 ranks, gloo on CPU): each of the four
distributed faults is found in its case, and its fixed twin is left without any finding at
warning or above. Every launch goes through tests/distributed.py (its own process group, a
hard timeout); a fault and its twin run side by side, so each test waits for one launch."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest
from distributed import env_for, finish, start, torchrun_cmd

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "benchmarks" / "fault_zoo"))

import score  # noqa: E402

pytestmark = pytest.mark.distributed

# Two epochs are enough for every case (the sampler's epoch repeats at the second pass; the
# other faults show at the first sampled iterations) and keep each launch short.
ARGS = ["--epochs", "2"]


@pytest.mark.parametrize("name", ["ranks_out_of_sync", "duplicate_data_across_ranks", "sampler_epoch_not_set",
                                  "rank_divergent_steps"])
def test_distributed_fault_is_found_and_its_twin_is_clean(name, tmp_path):
    (case,) = score.discover({name})
    assert case.nproc == 2 and len(case.expect) == 1
    runs = {}
    for label, extra in (("fault", []), ("fixed", ["--fixed"])):
        out = tmp_path / label
        env = env_for({"TORCHVITALS_OUT": str(out), "TORCHVITALS_NAME": "run", "TORCHVITALS_CONSOLE": "0"})
        cmd = torchrun_cmd(case.nproc, *score.job_args(case.path, [*ARGS, *extra]))
        runs[label] = (start(cmd, tmp_path, env), out)
    done = {label: finish(proc) for label, (proc, _) in runs.items()}
    for label, launch in done.items():
        assert not launch.timed_out, f"{label} run hung:\n{launch.output[-3000:]}"
        assert launch.returncode == 0, f"{label} run failed:\n{launch.output[-3000:]}"
    found, why = score.read_job(str(runs["fault"][1]))
    assert case.expect[0] in found, (found, why)
    twin, why = score.read_job(str(runs["fixed"][1]))
    assert twin == {} and why is None, (twin, why)
