"""A reduced fault zoo in CI: a regression in detection or a new false alarm fails the build.
The full zoo is `make bench-zoo` (writes BENCHMARKS.md)."""

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "benchmarks" / "fault_zoo"))

import score  # noqa: E402

# One case per area, the seeds' stories first, plus healthy workloads of different families.
REDUCED = [
    "strict_step_gate", "no_grad_submodel", "unused_pool_size1_softmax", "norm_stack_attenuation",
    "modules_in_python_list", "missing_zero_grad", "eval_mode_left_on", "mse_broadcasting",
    "softmax_before_cross_entropy", "lr_zero", "relu_head_negative_targets", "scheduler_every_microbatch",
    "gan_two_optimizers", "finetune_frozen_backbone", "lstm_sequence", "transformer_lm",
]


def test_reduced_zoo_detects_every_fault_without_false_alarms():
    cases = score.discover(set(REDUCED))
    assert len(cases) == len(REDUCED), sorted(set(REDUCED) - {c.name for c in cases})
    result = score.score(cases)
    missed = [r["case"] for r in result["rows"] if not r["healthy"] and not r["detected"]]
    assert not missed, missed
    assert not result["false_alarms"], result["false_alarms"]
    assert not result["errors"], result["errors"]
