"""The epoch numbers of a job under torchrun are the job's: a classifier trained as two DDP ranks,
each on its half of the data through a DistributedSampler, gets the same epoch metrics (loss,
accuracy, baselines, for training and validation) and the same training samples in rank 0's
record and epoch line as one process trained on all the data; rank 1 keeps its own."""

from __future__ import annotations

import json
import math
from pathlib import Path

import pytest
from distributed import fork_job

from torchvitals.run import run_script

pytestmark = pytest.mark.distributed

SCRIPT = str(Path(__file__).parent / "scripts" / "dist_epochs.py")


def _epochs(path: Path) -> list[dict]:
    recs = [json.loads(line) for line in path.read_text().splitlines() if line.strip()]
    return [r for r in recs if r.get("type") == "epoch"]


@pytest.fixture(scope="module")
def runs(tmp_path_factory):
    out = tmp_path_factory.mktemp("epochs")
    code, _ = run_script(SCRIPT, ["--mode", "single"], {"out": str(out), "name": "single", "console": False})
    assert code == 0
    res = fork_job(2, ["run", SCRIPT, "--mode", "ddp"], out, {"TORCHVITALS_OUT": str(out), "TORCHVITALS_NAME": "ddp"})
    assert not res.timed_out and res.returncode == 0, res.output[-3000:]
    return out, res.output


def test_rank_0s_epoch_metrics_are_the_whole_jobs(runs):
    out, _ = runs
    single, job, own = (_epochs(out / p) for p in ("single/run.jsonl", "ddp/run.rank0.jsonl", "ddp/run.rank1.jsonl"))
    assert len(single) == len(job) == len(own) == 2
    for s, j, o in zip(single, job, own, strict=True):
        assert j["from_ranks"] == [0, 1] and "from_ranks" not in o
        assert j["samples"] == s["samples"] == 64 and o["samples"] == 32
        for split in ("train", "val"):
            want, got = s["metrics"][split], j["metrics"][split]
            assert set(got) == set(want) >= {"loss", "acc", "base_acc", "base_loss"}
            for key in want:
                assert math.isclose(got[key], want[key], rel_tol=1e-5), (split, key, got[key], want[key])
        # rank 1's own share differs from the job's (else this test could not tell them apart)
        assert o["metrics"]["train"]["base_acc"] != j["metrics"]["train"]["base_acc"]


def test_the_epoch_line_gives_the_jobs_throughput_unmarked(runs):
    _, output = runs
    lines = [ln for ln in output.splitlines() if ln.startswith("E0")]
    assert len(lines) == 2, output[-3000:]  # rank 0's alone
    assert all("BATCH=8x2x1=16" in ln and "/s |" in ln and "/rank" not in ln for ln in lines), lines


def test_ranks_that_train_their_own_models_are_not_added_up(tmp_path):
    """The same script without DDP (each rank its own model: a sweep launched with torchrun):
    nothing to add up and nobody waits; the line says the throughput is rank 0's."""
    env = {"TORCHVITALS_OUT": str(tmp_path), "TORCHVITALS_NAME": "sweep"}
    res = fork_job(2, ["run", SCRIPT, "--mode", "sweep"], tmp_path, env)
    assert not res.timed_out and res.returncode == 0, res.output[-3000:]
    job = _epochs(tmp_path / "sweep" / "run.rank0.jsonl")
    assert len(job) == 2 and all("from_ranks" not in e and e["samples"] == 32 for e in job), job
    lines = [ln for ln in res.output.splitlines() if ln.startswith("E0")]
    assert len(lines) == 2 and all("/rank" in ln for ln in lines), lines
