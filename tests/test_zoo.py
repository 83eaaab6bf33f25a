"""A reduced fault zoo in CI: a regression in detection or a new false alarm fails the build.
The full zoo is `make bench-zoo` (writes BENCHMARKS.md)."""

import contextlib
import io
import json
import sys
from pathlib import Path

import pytest

from torchvitals.offline import diagnose
from torchvitals.run import run_script

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "benchmarks" / "fault_zoo"))

import score  # noqa: E402

# One case per area, the seeds' stories first, plus healthy workloads of different families.
REDUCED = [
    "strict_step_gate", "no_grad_submodel", "unused_pool_size1_softmax", "norm_stack_attenuation",
    "modules_in_python_list", "missing_zero_grad", "eval_mode_left_on", "mse_broadcasting",
    "softmax_before_cross_entropy", "lr_zero", "relu_head_negative_targets", "scheduler_every_microbatch",
    "bce_with_logits_on_sigmoid", "labels_shuffled_separately", "plateau_scheduler_fed_accuracy",
    "gan_two_optimizers", "finetune_frozen_backbone", "lstm_sequence", "transformer_lm",
    "tabular_features_unnormalised",
    "view_instead_of_transpose", "functional_dropout_in_eval", "relu_before_cross_entropy",
]


def test_reduced_zoo_cases_exist():
    cases = score.discover(set(REDUCED))
    assert len(cases) == len(REDUCED), sorted(set(REDUCED) - {c.name for c in cases})


# One test per case: pytest-xdist spreads them over its workers.
@pytest.mark.parametrize("name", REDUCED)
def test_reduced_zoo_case_detected_without_false_alarms(name):
    result = score.score(score.discover({name}))
    missed = [r["case"] for r in result["rows"] if not r["healthy"] and not r["detected"]]
    assert not missed, missed
    assert not result["false_alarms"], result["false_alarms"]
    assert not result["errors"], result["errors"]


def _key(diag):
    return sorted((f.name, f.severity, tuple(f.where), f.step, f.message) for f in diag.findings)


# Cases judged on evidence the loss-call capture records (the op that produced the output, the
# training metrics per epoch, exactly-zero gradients): `diagnose run.jsonl` must reach the same
# findings as the live run, or the evidence is not in the record.
@pytest.mark.parametrize("case", ["bce_with_logits_on_sigmoid", "multilabel_sigmoid_bce_with_logits",
                                  "labels_shuffled_separately", "clip_grad_norm_max_norm_zero",
                                  "backbone_unfrozen_not_in_optimizer", "plateau_scheduler_fed_accuracy",
                                  "class_sorted_no_shuffle", "collate_keeps_first_sample", "relu_before_cross_entropy"])
def test_zoo_case_diagnosed_offline_as_live(case, tmp_path):
    (zoo_case,) = score.discover({case})
    with contextlib.redirect_stdout(io.StringIO()), contextlib.redirect_stderr(io.StringIO()):
        code, live = run_script(str(zoo_case.path), zoo_case.args, {"out": str(tmp_path), "name": "run", "console": False})
    assert code == 0
    assert set(zoo_case.expect) & set(live.names("warning")), live.names("warning")
    assert _key(diagnose(tmp_path / "run")) == _key(live)


def test_mid_run_fault_counts_from_its_onset(tmp_path):
    """A fault that begins at iteration 81 is on time at the first sampled iteration after it."""
    path = tmp_path / "late.py"
    path.write_text("# zoo: expect=unoptimized-parameters\n# zoo: onset=81\nprint()\n")
    case = score.parse_header(path)
    assert case.onset == 81 and score.structural_deadline(81) == 100
    assert score.structural_deadline(1) == score.STRUCTURAL_WITHIN


def test_distributed_cases_are_declared_and_read(tmp_path):
    """`# zoo: nproc=` and `# zoo: single=` headers, the --distributed selection, and reading a
    torchrun job's findings.json (warning and above, first iteration per name) without a launch."""
    jobs = score.discover(distributed=True)
    variants = [c for c in jobs if c.single]
    assert {c.name for c in jobs if c.nproc == 2} >= {"ranks_out_of_sync", "duplicate_data_across_ranks",
                                                     "sampler_epoch_not_set", "rank_divergent_steps"}
    assert len(variants) >= 6 and {c.single for c in variants} <= {c.name for c in jobs if c.nproc == 1}
    assert all(not c.single or c.expect == score.discover({c.single})[0].expect for c in jobs)
    run = tmp_path / "run"
    run.mkdir()
    (run / "findings.json").write_text(json.dumps({"findings": [
        {"name": "ranks-out-of-sync", "severity": "warning", "step": 7},
        {"name": "ranks-out-of-sync", "severity": "error", "step": 3},
        {"name": "lr-too-small", "severity": "info", "step": 1},
    ]}))
    assert score.read_job(str(tmp_path)) == ({"ranks-out-of-sync": 3}, None)
    found, why = score.read_job(str(tmp_path / "nothing"))
    assert found == {} and "no run directory" in why
