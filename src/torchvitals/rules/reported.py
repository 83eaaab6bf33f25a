"""A loss reported to torchvitals against the loss of the same batches it computed itself
(TV705): under torchrun the reported one is a whole number of ranks off.

An epoch record keeps both: what epoch_end(train=…, val=…) was given (or a framework reported:
the Hugging Face Trainer's eval_loss, a Lightning fit's logged metrics) under `train` / `val`,
and the mean loss over every rank's observed batches under `metrics` (`from_ranks` says whose).
"""

from __future__ import annotations

import statistics
from typing import Any

from torchvitals.findings import Finding
from torchvitals.record import History, rounded
from torchvitals.rules.base import CannotJudge, Rule, rule
from torchvitals.rules.rank_fold import dist_of

# A reported loss counts as scaled by the ranks when its ratio to the computed one is, at the
# median over the epochs, within SCALE_TOL of the number of ranks (or of its inverse), and at
# every epoch within EPOCH_TOL. The samples a distributed sampler repeats to even out the ranks
# enter the computed mean and not the Trainer's: on a small evaluation set (100 samples padded
# to 128) they move an epoch's ratio by several percent as the losses spread out.
SCALE_TOL = 0.03
EPOCH_TOL = 0.10
# Epochs with both losses, all of them off by that factor, before it is a finding: one epoch's
# ratio could be a coincidence, the same ratio while the loss moves is not.
MIN_EPOCHS = 2
_SPLITS = {"val": "validation", "train": "training"}


def _pairs(h: History, split: str, world: int) -> list[tuple[dict[str, Any], float, float]]:
    """(epoch record, reported loss, computed loss) for the epochs whose computed loss covers every rank."""
    out = []
    for e in h.epochs:
        covered = e.get("from_ranks")
        if not (isinstance(covered, list) and len(covered) >= world):
            continue
        reported = (e.get(split) or {}).get("loss")
        computed = ((e.get("metrics") or {}).get(split) or {}).get("loss")
        if isinstance(reported, (int, float)) and isinstance(computed, (int, float)) and computed > 0 and reported > 0:
            out.append((e, float(reported), float(computed)))
    return out


def _factor(ratios: list[float], world: int) -> float | None:
    """The number of ranks (or its inverse) that every ratio is close to, if any."""
    middle = statistics.median(ratios)
    for f in (float(world), 1.0 / world):
        if abs(middle / f - 1.0) <= SCALE_TOL and all(abs(q / f - 1.0) <= EPOCH_TOL for q in ratios):
            return f
    return None


@rule(
    "TV705",
    "loss-scaled-by-ranks",
    what="Under torchrun, a loss reported for each epoch (given to epoch_end, the Hugging Face "
    "Trainer's eval_loss, a Lightning fit's logged loss) that is the number of ranks times, or "
    f"that fraction of, the mean loss of the same split's batches over every rank, which "
    f"torchvitals computes from the loss calls it observes: within {SCALE_TOL:.0%} at the median "
    f"of at least {MIN_EPOCHS} epochs, and within {EPOCH_TOL:.0%} at every one.",
    why="A loss summed over the ranks and not divided (torch.distributed.all_reduce adds by "
    "default), divided by the ranks twice, or rescaled for a token average that was never taken "
    "(the Hugging Face Trainer's eval_loss under DDP with average_tokens_across_devices: "
    "huggingface/transformers#35078) is off by the number of ranks. Nothing raises: the same "
    "model trained on 2 and on 8 GPUs reports losses 4× apart, and a checkpoint, a learning-rate "
    "schedule on plateau or an early stop is chosen on a wrong number.",
    example="""
dist.all_reduce(val_loss)                      # adds the ranks' losses (ReduceOp.SUM)
monitor.epoch_end(val={"loss": val_loss.item()})  # 2x the loss on 2 ranks
""",
    fix="Divide a summed loss by the number of ranks, or all_reduce with ReduceOp.AVG. For the "
    "Hugging Face Trainer's eval_loss, set TrainingArguments(average_tokens_across_devices=False) "
    "or compare runs by the loss torchvitals computed (the epoch record's `metrics`).",
)
def loss_scaled_by_ranks(h: History, r: Rule) -> list[Finding]:
    d = dist_of(h)
    if d is None:
        return []  # one process: nothing to combine
    world = int(d["world"])
    found, judged = [], False
    for split, name in _SPLITS.items():
        pairs = _pairs(h, split, world)
        if len(pairs) < MIN_EPOCHS:
            continue
        judged = True
        f = _factor([rep / comp for _, rep, comp in pairs], world)
        if f is None:
            continue
        first, rep, comp = pairs[0]
        times = f"{world}×" if f > 1 else f"1/{world} of"
        found.append(r.finding(
            "warning",
            f"the {name} loss reported each epoch is {times} the loss torchvitals computed over the "
            f"{name} batches of all {world} ranks ({rep:.4g} against {comp:.4g} at epoch "
            f"{first['epoch']}; the same factor at all {len(pairs)} epochs with both): a loss summed "
            "over the ranks and not divided (all_reduce adds), or the Hugging Face Trainer's "
            "eval_loss under DDP (average_tokens_across_devices)",
            evidence={"split": split, "world": world, "factor": rounded(f),
                      "reported": [rounded(p[1]) for p in pairs], "computed": [rounded(p[2]) for p in pairs]},
            where=[f"{split} loss"],
            step=first.get("it"),
        ))
    if not judged:
        raise CannotJudge(f"fewer than {MIN_EPOCHS} epochs with a reported loss beside the one computed over every rank")
    return found
