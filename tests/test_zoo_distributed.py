"""The distributed fault zoo under torchrun (2 ranks, gloo on CPU): each of the distributed
faults is found in its case, and its fixed twin is left without any finding at
warning or above. The two ranks are forked from the test process with torchrun's environment
(tests/distributed.py fork_job: no torch import per rank, each rank in its own process group,
a hard timeout); benchmarks/fault_zoo/score.py runs the same cases under torchrun itself."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest
from distributed import fork_job

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "benchmarks" / "fault_zoo"))

import score  # noqa: E402

pytestmark = pytest.mark.distributed

# Two epochs are enough for every case (the sampler's epoch repeats at the second pass; the
# other faults show at the first sampled iterations) and keep each launch short.
ARGS = ["--epochs", "2"]


@pytest.mark.parametrize("name", ["ranks_out_of_sync", "duplicate_data_across_ranks", "duplicate_data_keyword_batch", "sampler_epoch_not_set",
                                  "rank_divergent_steps", "loss_summed_over_ranks"])
def test_distributed_fault_is_found_and_its_twin_is_clean(name, tmp_path):
    (case,) = score.discover({name})
    assert case.nproc == 2 and len(case.expect) == 1
    runs = {}
    for label, extra in (("fault", []), ("fixed", ["--fixed"])):
        out = tmp_path / label
        env = {"TORCHVITALS_OUT": str(out), "TORCHVITALS_NAME": "run", "TORCHVITALS_CONSOLE": "0"}
        launch = fork_job(case.nproc, ["run", str(case.path), *ARGS, *extra], tmp_path, env)
        assert not launch.timed_out, f"{label} run hung:\n{launch.output[-3000:]}"
        assert launch.returncode == 0, f"{label} run failed:\n{launch.output[-3000:]}"
        runs[label] = out
    found, why = score.read_job(str(runs["fault"]))
    assert case.expect[0] in found, (found, why)
    twin, why = score.read_job(str(runs["fixed"]))
    assert twin == {} and why is None, (twin, why)
