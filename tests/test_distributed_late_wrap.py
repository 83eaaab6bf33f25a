"""Shapes of public DDP/FSDP2 scripts that the hand-written distributed tests did not have
(found by benchmarks/real_code_distributed): an optimizer made before DistributedDataParallel
wraps the model, an optimizer made on rank 0 alone, FSDP2 without zero_grad. Two ranks forked
with torchrun's environment (tests/distributed.py fork_job) run tests/scripts/dist_late_wrap.py
under `torchvitals run`."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from distributed import fork_job

pytestmark = pytest.mark.distributed

SCRIPT = str(Path(__file__).parent / "scripts" / "dist_late_wrap.py")


def _job(tmp_path: Path, *flags: str) -> tuple[dict[str, str], list[dict]]:
    """The job's findings at warning and above (name → message) and rank 0's records."""
    env = {"TORCHVITALS_OUT": str(tmp_path), "TORCHVITALS_NAME": "run", "TORCHVITALS_CONSOLE": "0",
           "TORCHVITALS_EVERY": "1", "TORCHVITALS_DIST_TIMEOUT": "30"}  # a busy CI machine: never the timeout
    res = fork_job(2, ["run", SCRIPT, *flags], tmp_path, env, timeout=120)
    assert not res.timed_out and res.returncode == 0, res.output[-3000:]
    found = json.loads((tmp_path / "run" / "findings.json").read_text())["findings"]
    recs = [json.loads(line) for line in (tmp_path / "run" / "run.rank0.jsonl").read_text().splitlines()]
    warn = {f["name"]: f["message"] for f in found if f["severity"] != "info"}
    return warn, recs


@pytest.mark.parametrize("extra", [False, True], ids=["same-optimizers", "extra-optimizer-on-rank-0"])
def test_checkpoint_loaded_on_rank_0_after_wrapping_a_model_whose_optimizer_came_first(tmp_path, extra):
    """The header, written when the optimizer was made, found no DDP: the wrapper is looked
    for again at the first record, so the copies that differ from the first iteration on are
    ranks-out-of-sync, not a sweep. With an optimizer made on rank 0 alone before it, the
    training optimizer is index 1 on rank 0 and 0 on rank 1: the ranks still meet."""
    warn, recs = _job(tmp_path, "--rank0-load", *(["--extra-opt"] if extra else []))
    context = [r for r in recs if r.get("type") in ("layout", "event")] + [r.get("ranks") for r in recs if r.get("type") == "step"][:3]
    assert "ranks-out-of-sync" in warn, (warn, context)  # seen failing once in a full suite run: the context says why
    assert not [r for r in recs if r.get("kind") == "dist-exchange-off"]
    assert [r["dist"]["wrapper"] for r in recs if r.get("type") == "layout" and "dist" in r] == ["ddp"]


def test_same_batches_on_every_rank_with_an_optimizer_made_on_rank_0_alone(tmp_path):
    """The batch fingerprint rides on the first optimizer to record, the same on every rank,
    not on index 0 (rank 0's unstepped extra optimizer, whose records never come)."""
    warn, _ = _job(tmp_path, "--extra-opt", "--same-data")
    assert "duplicate-data-across-ranks" in warn, warn


def test_head_replaced_after_the_optimizer_is_unoptimized_not_out_of_sync(tmp_path):
    """The optimizer still holds the old head, which differs between ranks (each drew its own)
    and which no rank uses: only the parameters the model holds are compared across ranks."""
    warn, recs = _job(tmp_path, "--replace-head")
    assert "unoptimized-parameters" in warn, warn
    assert "ranks-out-of-sync" not in warn, warn
    checked = {r["ranks"]["checked"] for r in recs if r.get("type") == "step" and "ranks" in r}
    assert checked == {2}, checked  # the first layer's weight and bias; not the old head's two


@pytest.mark.parametrize(
    "flag, found",
    [("--whole-data", True), ("--subset-data", False), ("--val-loader", False)],
    ids=["whole", "subset-per-rank", "evaluation-loader-between"],
)
def test_every_rank_reading_the_whole_dataset_in_its_own_order(tmp_path, flag, found):
    """No DistributedSampler and a seed per rank: the batches differ, the data is not split.
    A Subset per rank is a split made by hand, and a loader iterated to its end before a training
    forward (an evaluation pass; the training batches come from elsewhere) is not the training
    data: silent."""
    warn, _ = _job(tmp_path, flag)
    assert ("duplicate-data-across-ranks" in warn) == found, warn
    if found:
        assert "each read the whole training dataset (96 items)" in warn["duplicate-data-across-ranks"]


def test_optimizer_before_ddp_healthy_is_silent(tmp_path):
    warn, _ = _job(tmp_path, "--extra-opt")
    assert warn == {}


@pytest.mark.parametrize("cleared", [False, True])
def test_fsdp2_gradients_never_cleared(tmp_path, cleared):
    """FSDP2 counts backward passes at the model's output (its parameters never see autograd);
    that hook must also check that the previous step's gradients were cleared."""
    warn, _ = _job(tmp_path, "--fsdp", *([] if cleared else ["--no-zero-grad"]))
    assert ("grads-not-cleared" in warn) is not cleared, warn
