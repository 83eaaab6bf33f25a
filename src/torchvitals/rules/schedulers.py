"""LR scheduler rules over what schedulers were given: a ReduceLROnPlateau pointed the wrong way."""

from __future__ import annotations

import math
from itertools import pairwise
from typing import Any

from torchvitals.findings import Finding
from torchvitals.record import History
from torchvitals.rules.base import Rule, each_optimizer, rule
from torchvitals.rules.gradients import opt_label
from torchvitals.rules.outputs import epoch_series

# The first plateau calls over which the metric must move, at every call, the way the mode
# calls worse before the rule believes it is the other kind of metric. An accuracy fed to
# mode='min' rises from the first epoch; a validation loss that overfits falls first.
RISE_CALLS = 3
# A learning rate below this share of its value before the call was cut (ReduceLROnPlateau's
# factor is 0.1 by default and at most ~0.9 in practice; its own eps ignores drops below 1e-8).
CUT = 0.999
# Metric values shown in the evidence.
EVIDENCE_CALLS = 50


def _records(h: History, k: int) -> list[dict[str, Any]]:
    return [rec for rec in h.plateau if rec["opt"] == k]


def _finite(x: Any) -> bool:
    return isinstance(x, (int, float)) and math.isfinite(x)


def _rising(xs: list[float]) -> bool:
    return all(b > a for a, b in pairwise(xs))


def _is_cut(rec: dict[str, Any]) -> bool:
    return any(after < before * CUT for before, after in zip(rec["lr_before"], rec["lr"], strict=False))


def _loss_trends(h: History, upto: int) -> dict[str, tuple[float, float]]:
    """(first, last) epoch loss per split ("train", "val") up to iteration `upto`, where the
    record has at least two epochs of it."""
    its = {e["epoch"]: e.get("it") for e in h.epochs}
    out = {}
    for split in ("train", "val"):
        vals = [v for ep, v in epoch_series(h, split, "loss") if isinstance(its.get(ep), int) and its[ep] <= upto]
        if len(vals) >= 2:
            out[split] = (vals[0], vals[-1])
    return out


@rule(
    "TV208",
    "plateau-mode-mismatch",
    what="A ReduceLROnPlateau whose metric moves, from its first values, the way its mode calls "
    "worse (mode='min' given a score that rises, mode='max' given one that falls), and that cut "
    "the learning rate at a call where that metric was at its highest (lowest) so far: an "
    "accuracy-like score behind the default mode='min', or a loss behind mode='max'. Silent when a "
    "training or validation loss in the record did not fall over the same epochs (a loss that "
    "diverges or overfits from the start moves like an accuracy).",
    why="With mode='min', every epoch on which accuracy went up counts as an epoch without "
    "improvement, so the scheduler multiplies the learning rate by factor (0.1 by default) every "
    "patience+1 epochs while the model is still getting better, and training crawls to a halt long before it has "
    "converged. Nothing fails: the curves just flatten early and look like a real plateau.",
    example="""
scheduler = torch.optim.lr_scheduler.ReduceLROnPlateau(optimizer)   # mode='min' by default
for epoch in range(epochs):
    train_one_epoch(model, optimizer)
    val_acc = evaluate(model)
    scheduler.step(val_acc)        # higher is better, but 'min' waits for it to fall
""",
    fix="Tell the scheduler which way is better: ReduceLROnPlateau(optimizer, mode='max') for an "
    "accuracy, F1, AUC or any score where higher is better; keep mode='min' for a loss (or give "
    "it the validation loss instead).",
)
def plateau_mode_mismatch(h: History, r: Rule) -> list[Finding]:
    out: list[Finding] = []
    for k, recs in each_optimizer(h, _records, "no ReduceLROnPlateau.step(metric) seen (pass scheduler= to watch())"):
        f = _mismatch(h, r, k, recs)
        if f is not None:
            out.append(f)
    return out


def _mismatch(h: History, r: Rule, k: int, recs: list[dict[str, Any]]) -> Finding | None:
    calls = [rec for rec in recs if _finite(rec["metric"])]
    if len(calls) < RISE_CALLS:
        return None
    mode = calls[0]["mode"]
    # `worse` grows when the metric moves the way the mode calls worse, in either mode.
    worse = [(1.0 if mode == "min" else -1.0) * rec["metric"] for rec in calls]
    if any(rec["mode"] != mode for rec in calls) or not _rising(worse[:RISE_CALLS]):
        return None
    # A cut at a call where the metric was further the 'worse' way than ever before: were it the
    # other kind of metric, the model was at its best right then.
    hits = [i for i in range(1, len(calls)) if _is_cut(calls[i]) and worse[i] > max(worse[:i])]
    if not hits:
        return None
    at = calls[max(hits[0], RISE_CALLS - 1)]
    # A training or validation loss in the record that did not fall: the model was not
    # improving, and a metric moving the 'worse' way may be just that (a loss that diverges, or
    # overfits from the first epoch). A validation loss that fell settles what the metric is.
    trends = _loss_trends(h, at["it"])
    if any(last >= first for first, last in trends.values()):
        return None
    settled = "val" in trends
    cuts = [rec for rec in recs if _is_cut(rec)]
    lr0, lr1 = cuts[0]["lr_before"][0], cuts[-1]["lr"][0]
    m0, m1 = calls[0]["metric"], calls[max(range(len(calls)), key=worse.__getitem__)]["metric"]  # first, furthest
    steady = _rising(worse)
    moved = "rose" if mode == "min" else "fell"
    kind, other = ("an accuracy-like score (higher is better)", "max") if mode == "min" else ("a loss (lower is better)", "min")
    return r.finding(
        "warning",
        f"ReduceLROnPlateau(mode='{mode}') cut the learning rate {len(cuts)} time(s) ({lr0:.3g} → {lr1:.3g}) "
        f"while the metric given to step() {moved} {'at every call' if steady else 'from its first values'} "
        f"({m0:.4g} → {m1:.4g} over {len(calls)} calls): it looks like {kind}; use mode='{other}'"
        + (
            f" (the validation loss fell {trends['val'][0]:.4g} → {trends['val'][1]:.4g} meanwhile)"
            if settled
            else f"; if it is in fact {'a loss' if mode == 'min' else 'a score'}, the model has got worse since the first epoch"
        ),
        evidence={
            "mode": mode,
            "threshold_mode": at.get("threshold_mode"),
            "threshold": at.get("threshold"),
            "metric": [rec["metric"] for rec in calls[:EVIDENCE_CALLS]],
            "cuts": len(cuts),
            "cut_at": [rec["it"] for rec in cuts],
            "lr": [lr0, lr1],
            "loss_trends": {split: list(v) for split, v in trends.items()},
        },
        where=[opt_label(h, k)],
        step=at["it"],
        fix=f"Use ReduceLROnPlateau(optimizer, mode='{other}') for this metric"
        + (", or give step() the validation loss with mode='min'." if mode == "min" else ", or give step() a score where higher is better."),
    )
