"""loss-scaled-by-ranks (rules/reported.py, TV705) on Histories built by hand: epoch records
with a reported loss (`val` / `train`, what epoch_end or a framework was given) beside the loss
torchvitals computed over every rank's batches (`metrics`, `from_ranks`). The fault is a
reported loss off by exactly the number of ranks, every epoch; the controls stay silent."""

from __future__ import annotations

import pytest
from test_rules_distributed import header, history, judge, step

from torchvitals.rules import CannotJudge, evaluate

NAME = "loss-scaled-by-ranks"


def epoch(n: int, reported: float | None, computed: float, split: str = "val", covered=(0, 1)) -> dict:
    rec = {"type": "epoch", "epoch": n, "it": 4 * n, "train": {}, "val": {},
           "metrics": {split: {"loss": computed}}, "from_ranks": list(covered)}
    if reported is not None:
        rec[split] = {"loss": reported}
    return rec


def run(epochs: list[dict], world: int = 2):
    return history(header(world=world), [step(1)] + epochs)


@pytest.mark.parametrize("split", ["val", "train"])
def test_a_loss_summed_over_the_ranks_is_found(split):
    h = run([epoch(1, 1.40, 0.70, split), epoch(2, 1.20, 0.601, split), epoch(3, 1.00, 0.502, split)])
    [f] = judge(h, NAME)
    assert f.severity == "warning" and f.step == 4 and f.evidence["factor"] == 2.0 and f.where == [f"{split} loss"]
    assert "2×" in f.message and "all_reduce" in f.message


def test_a_loss_divided_by_the_ranks_twice_is_found():
    every = (0, 1, 2, 3)
    [f] = judge(run([epoch(1, 0.175, 0.70, covered=every), epoch(2, 0.15, 0.60, covered=every)], world=4), NAME)
    assert f.evidence["factor"] == 0.25 and "1/4 of" in f.message


def test_the_losses_agreeing_is_silent():
    """The control: the reported loss is the computed one, give or take the samples a
    distributed sampler repeats (0.5% here)."""
    assert judge(run([epoch(1, 0.70, 0.7035), epoch(2, 0.60, 0.598)]), NAME) == []


def test_a_small_padded_evaluation_set_drifts_an_epoch_and_is_still_found():
    """The Hugging Face Trainer's eval_loss on 100 samples padded to 128 over 2 ranks (its
    run_glue example): 2.00, 2.03, 2.15 times the computed loss as the losses spread out."""
    [f] = judge(run([epoch(1, 1.375, 0.687), epoch(2, 0.674, 0.3315), epoch(3, 0.4416, 0.2055)]), NAME)
    assert f.evidence["factor"] == 2.0


def test_a_factor_that_changes_from_epoch_to_epoch_is_silent():
    """A different loss reported (with an auxiliary term, say) may be twice the computed one once
    by coincidence; not the same factor while the loss moves."""
    assert judge(run([epoch(1, 1.40, 0.70), epoch(2, 0.90, 0.60)]), NAME) == []
    assert judge(run([epoch(1, 1.40, 0.70), epoch(2, 1.20, 0.60), epoch(3, 1.0, 0.8)]), NAME) == []  # one far off


def test_one_epoch_is_not_enough_and_says_so():
    with pytest.raises(CannotJudge):
        judge(run([epoch(1, 1.40, 0.70)]), NAME)


def test_an_epoch_whose_computed_loss_is_rank_0s_alone_is_not_compared():
    """The other ranks' numbers did not come: the computed loss is rank 0's share, not the job's."""
    with pytest.raises(CannotJudge):
        judge(run([epoch(1, 1.40, 0.70, covered=(0,)), epoch(2, 1.20, 0.60, covered=(0,))]), NAME)


def test_one_process_is_silent_and_not_unjudged():
    h = history(header(world=1), [step(1), epoch(1, 1.40, 0.70), epoch(2, 1.20, 0.60)])
    found, unjudged = evaluate(h)
    assert NAME not in {f.name for f in found} and NAME not in unjudged
