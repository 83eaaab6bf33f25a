"""The frameworks' own distributed paths under `torchvitals run --nproc 2` (gloo, CPU): what
they do on purpose under several processes is not a fault.

- Accelerate steps a prepared scheduler once per process at every optimizer step (its schedule
  counts samples): one step of the loop, not scheduler steps with no optimizer step between.
  The control: a loop that steps the prepared scheduler twice per batch is still found.
- Lightning's strategy="ddp" wraps the LightningModule in DistributedDataParallel before
  configure_optimizers makes the optimizer: the fit is still recognised and watched by its
  callback (epoch lines with the fit's metrics), and the healthy fit stays silent."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest
from distributed import launch, teardown_abort_only

pytestmark = pytest.mark.distributed

SCRIPTS = Path(__file__).parent / "scripts"
SEVERITY = {"info": 0, "warning": 1, "error": 2, "critical": 3}


def _job(tmp_path: Path, *script: str) -> tuple[dict, list[dict]]:
    """Run a script as a 2-rank job; (findings.json, rank 0's records)."""
    out = tmp_path / "out"
    cmd = [sys.executable, "-m", "torchvitals", "run", "--nproc", "2", "--out", str(out), "--name", "job", *script]
    result = launch(cmd, cwd=tmp_path, env={"PYTHONPATH": str(SCRIPTS)})
    assert not result.timed_out, f"the job hung and was killed\n{result.output[-4000:]}"
    assert result.returncode == 0 or teardown_abort_only(result), result.output[-4000:]
    found = json.loads((out / "job" / "findings.json").read_text())
    records = [json.loads(x) for x in (out / "job" / "run.rank0.jsonl").read_text().splitlines()]
    return found, records


def _problems(found: dict) -> set[str]:
    return {f["name"] for f in found["findings"] if SEVERITY[f["severity"]] >= 1}


@pytest.mark.parametrize("fault", [None, "sched-twice"])
def test_accelerate_steps_its_scheduler_once_per_process(tmp_path, fault):
    pytest.importorskip("accelerate")
    found, records = _job(tmp_path, str(SCRIPTS / "accelerate_loop.py"), *(["--fault", fault] if fault else []))
    c = next(r for r in records if r["type"] == "end")["counters"][0]
    assert found["judged"]
    if fault is None:
        # 8 batches on each rank, 2 accumulated per step: 4 steps, 8 scheduler steps inside
        # Accelerate's 4 calls (one per process), counted as 4.
        assert c["steps"] == 4 and c["sched_steps"] == 4 and c["sched_orphans"] == 0, c
        assert _problems(found) == set(), found["findings"]
    else:
        assert c["steps"] == 4 and c["sched_steps"] == 8 and c["sched_orphans"] == 4, c
        assert _problems(found) == {"scheduler-step-mismatch"}, found["findings"]


def _lightning_job(tmp_path: Path, module: str, *trainer_args: str) -> tuple[dict, list[dict]]:
    """A 2-rank strategy="ddp" fit of tests/scripts/lightning_fit.py's `module` (48 steps)."""
    pytest.importorskip("lightning")
    script = tmp_path / "fit_ddp.py"
    extra = "".join(f", {a}" for a in trainer_args)
    script.write_text(
        "import torch\n"
        f"from lightning_fit import {module}, loaders, trainer\n"
        "torch.manual_seed(0)\n"
        "train, val = loaders()\n"
        f"trainer(devices=2, strategy='ddp', max_steps=48{extra}).fit({module}(None), train, val)\n"
    )
    return _job(tmp_path, str(script))


def test_lightning_ddp_fit_is_watched_by_its_callback(tmp_path):
    found, records = _lightning_job(tmp_path, "Regressor")
    epochs = [r for r in records if r["type"] == "epoch"]
    # 512 samples, 32 a batch, 2 ranks: 8 steps an epoch, 6 epochs; each with the fit's val_loss.
    assert len(epochs) == 6 and all(e["val"].get("loss") is not None for e in epochs), epochs
    assert all(e["batch"] == {"per_rank": 32, "world": 2, "accum": 1} for e in epochs), epochs[0].get("batch")
    assert found["judged"] and _problems(found) == set(), found["findings"]


def test_lightning_ddp_parts_without_a_distributed_sampler_is_duplicate_data(tmp_path):
    """training_step calls the model's parts (its forward never runs: the batch comes from
    on_train_batch_start) and use_distributed_sampler=False leaves every rank the same shuffled
    loader: found. Its healthy twin is the fit above (a DistributedSampler, self(x))."""
    found, records = _lightning_job(tmp_path, "PartsRegressor", "use_distributed_sampler=False")
    epochs = [r for r in records if r["type"] == "epoch"]
    assert all(e["batch"]["per_rank"] == 32 for e in epochs), epochs[0].get("batch")
    assert _problems(found) == {"duplicate-data-across-ranks"}, found["findings"]


@pytest.mark.parametrize("average_tokens", [True, False])
def test_an_eval_loss_off_by_the_number_of_ranks_is_found(tmp_path, average_tokens):
    """The Hugging Face Trainer under DDP multiplies its eval_loss by the number of processes
    when average_tokens_across_devices is on (huggingface/transformers#35078; on by default in
    the transformers tested here): its VAL is twice the loss torchvitals computes over both ranks'
    evaluation batches, every epoch, and that is loss-scaled-by-ranks. With it off the two agree
    and nothing is said. A transformers that no longer scales it gets no finding either."""
    pytest.importorskip("transformers")
    pytest.importorskip("datasets")
    found, records = _job(tmp_path, str(SCRIPTS / "hf_trainer.py"), "--datasets", "num_train_epochs=2", "max_steps=-1",
                          f"average_tokens_across_devices={average_tokens}")
    epochs = [r for r in records if r["type"] == "epoch"]
    assert len(epochs) == 2 and all(e["from_ranks"] == [0, 1] for e in epochs), epochs
    ratios = [e["val"]["loss"] / e["metrics"]["val"]["loss"] for e in epochs]  # the Trainer's over torchvitals'
    scaled = all(abs(q - 2) < 0.02 for q in ratios)
    assert scaled or all(abs(q - 1) < 0.05 for q in ratios), ratios
    assert ("loss-scaled-by-ranks" in _problems(found)) == scaled, (ratios, found["findings"])
    if not average_tokens:
        assert not scaled
