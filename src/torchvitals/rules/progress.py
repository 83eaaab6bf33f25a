"""Output-health rules on training progress: a loss that never decreases, metrics frozen for
epochs, a validation loss rising above its best (overfitting)."""

from __future__ import annotations

from typing import Any

from torchvitals.findings import Finding
from torchvitals.names import compact, prefixes
from torchvitals.record import History, rounded
from torchvitals.rules.base import CannotJudge, Rule, rule
from torchvitals.rules.outputs import (
    LOSS_MIN_DECREASE,
    LOSS_WINDOW,
    _num,
    epoch_series,
    out_run,
)

# Metric stagnation: epochs in a row with a metric identical to 6 significant digits (seed 004).
STAGNANT_EPOCHS = 3
# A loss that does not fall names what is frozen when at most this share of the values train.
FROZEN_NOTE_SHARE = 0.1
# Overfitting: epochs in a row of rising validation loss, and how far above its best.
OVERFIT_EPOCHS = 3
OVERFIT_RISE = 0.1


# Regression targets whose spread (the mean predictor's RMSE) moves by this factor over the
# epochs are moving targets (a DQN's TD targets grow with its Q-values): the raw loss moves with
# them, and the error relative to their spread says whether the model learns.
MOVING_TARGETS = 1.5
# ... and a model learns them when its RMSE falls below this share of the mean predictor's: no
# constant output does (one that learns nothing only drifts towards 1.0 as the targets grow).
MOVING_FIT = 0.95
# A model whose validation accuracy rises this much (absolute) above its first epoch's, past the
# majority class, or whose validation loss falls by VAL_LOSS_GAIN, learns: an epoch-mean training
# loss that barely moved then only says that it learned late (the last epoch's mean still holds
# its first batches).
VAL_ACC_GAIN = 0.10
VAL_LOSS_GAIN = 0.05


def _learns_moving_targets(h: History) -> bool:
    """Whether the targets' spread moved by MOVING_TARGETS or more over the epochs while the
    training RMSE relative to it fell by LOSS_MIN_DECREASE from the first epoch's, to below
    MOVING_FIT: a clearly better fit than the mean predictor's (a model that learns nothing gets
    relatively closer to growing targets all the same)."""
    rows = []
    for e in h.epochs:
        m = (e.get("metrics") or {}).get("train") or {}
        if _num(m.get("rmse")) and _num(m.get("base_rmse")) and m["base_rmse"] > 0:
            rows.append((m["rmse"], m["base_rmse"]))
    if len(rows) < STAGNANT_EPOCHS or max(b for _, b in rows) < MOVING_TARGETS * min(b for _, b in rows):
        return False
    relative = [a / b for a, b in rows]
    best = min(relative[1:])
    return best <= relative[0] * (1 - LOSS_MIN_DECREASE) and best < MOVING_FIT


def _validation_learns(h: History) -> bool:
    """Whether the computed validation metrics show the model learning (VAL_ACC_GAIN, VAL_LOSS_GAIN)."""
    vals = [(e.get("metrics") or {}).get("val") or {} for e in h.epochs]
    accs = [(m["acc"], m.get("base_acc")) for m in vals if _num(m.get("acc"))]
    if len(accs) >= 2:
        first, best = accs[0][0], max(accs[1:])
        if best[0] >= first + VAL_ACC_GAIN and (not _num(best[1]) or best[0] > best[1]):
            return True
    losses = [v for _, v in epoch_series(h, "val", "loss")]
    return len(losses) >= 2 and losses[0] > 0 and min(losses[1:]) <= losses[0] * (1 - VAL_LOSS_GAIN)


def _learns(h: History) -> bool:
    """A flat training loss that is no fault: moving targets, or validation that improves."""
    return _learns_moving_targets(h) or _validation_learns(h)


def _loss_named(h: History) -> str:
    """'the training loss', naming the loss function it was measured at when known (a script's
    own loss may add terms to it: a VAE's KL term)."""
    kind = out_run(h).last_kind
    return f"the training loss (as measured at {kind})" if kind else "the training loss"


def _frozen_note(h: History) -> tuple[str, dict[str, Any]]:
    """When most of the model's values are frozen (requires_grad=False), a clause naming the
    frozen parts, for a loss that does not fall: a freeze that caught the output layer too is
    found there. Empty otherwise."""
    total = sum(p.get("numel", 0) for p in h.params)
    training = sum(p.get("numel", 0) for p in h.params if p.get("trainable"))
    if not total or training > FROZEN_NOTE_SHARE * total:
        return "", {}
    # Each frozen parameter is named by its shortest module path that holds nothing trainable.
    held = {x for p in h.params if p.get("trainable") for x in prefixes(p["name"])}
    parts: list[str] = []
    for p in h.params:
        if not p.get("trainable"):
            part = next((x for x in prefixes(p["name"]) if x not in held), p["name"])
            if part not in parts:
                parts.append(part)
    share = training / total
    return (f"; only {share:.1%} of the model's values train, the rest frozen (requires_grad=False): {compact(parts)}",
            {"trainable_share": rounded(share), "frozen": parts[:20]})


@rule(
    "TV306",
    "loss-not-decreasing",
    what=f"A training loss whose best {LOSS_WINDOW}-sample window never gets {LOSS_MIN_DECREASE:.0%} "
    f"below its first window (after {3 * LOSS_WINDOW} sampled iterations), or whose epoch means "
    f"never fall {LOSS_MIN_DECREASE:.0%} below the first epoch's within {STAGNANT_EPOCHS} epochs.",
    why="A flat loss from the start means nothing is being learned: skipped steps, a learning "
    "rate that moves nothing, a frozen model, or a loss disconnected from the parameters. "
    f"Regression targets whose spread moves {MOVING_TARGETS:g}× or more over the epochs (the "
    "temporal-difference targets of Q-learning grow with the Q-values) move the loss with them: "
    "there the error relative to the targets' spread has to fall instead. A model whose "
    f"validation accuracy rises {VAL_ACC_GAIN:g} past the majority class, or whose validation loss "
    f"falls {VAL_LOSS_GAIN:.0%}, learns: its training loss's epoch means only say it learned late.",
    example="""
for p in model.parameters():
    p.requires_grad_(False)   # frozen by a fine-tuning helper, loss stays flat
""",
    fix="Look for the cause among the other findings (skipped-steps, lr-too-small, "
    "dead-parameters); run torchvitals' overfit-one-batch check; verify the loss uses the "
    "model's output, and that each target belongs to its input (labels shuffled or sorted apart "
    "from the inputs leave nothing to learn: a classifier's loss then stays at ln(classes)).",
)
def loss_not_decreasing(h: History, r: Rule) -> list[Finding]:
    run = out_run(h)
    if run.curve >= 3 * LOSS_WINDOW:
        first = sum(run.first_window) / LOSS_WINDOW
        best = run.best
        if best > first * (1 - LOSS_MIN_DECREASE) and run.flat_it is not None and not _learns(h):
            note, frozen = _frozen_note(h)
            return [
                r.finding(
                    "warning",
                    f"{_loss_named(h)} has not decreased: first window {first:.4g}, best window since "
                    f"{best:.4g} over {run.curve} sampled iterations"
                    # Even the best later window above the first: the loss climbs (divergence, or
                    # steps taken uphill such as a gradient flipped by a negative clipping norm).
                    + (f"; it rose {best / first:.1f}×" if first > 0 and best > first * (1 + LOSS_MIN_DECREASE) else "") + note,
                    evidence={"first": rounded(first), "best": rounded(best), "sampled": run.curve, **frozen},
                    where=["loss"],
                    step=run.flat_it,
                )
            ]
        return []
    series = epoch_series(h, "train", "loss")
    if len(series) >= STAGNANT_EPOCHS:
        first = series[0][1]
        rest = [v for _, v in series[1:]]
        if min(rest) > first * (1 - LOSS_MIN_DECREASE) and first > 0 and not _learns(h):
            note, frozen = _frozen_note(h)
            return [
                r.finding(
                    "warning",
                    f"{_loss_named(h)} has not decreased over {len(series)} epochs ({first:.4g} → {series[-1][1]:.4g})" + note,
                    evidence={"losses": [v for _, v in series], **frozen},
                    where=["loss"],
                    step=h.epochs[STAGNANT_EPOCHS - 1].get("it"),
                )
            ]
        return []
    raise CannotJudge(f"fewer than {3 * LOSS_WINDOW} sampled losses (observe(loss=…)) or {STAGNANT_EPOCHS} epochs")


_NOT_JUDGED = ("base_", "persist_", "chance_", "loss_nonfinite")
# Counts over a fixed validation set (accuracy = 370/512) repeat legitimately once converged.
_DISCRETE = ("acc", "correct", "top1", "top5")


def _continuous(x: float) -> bool:
    """A value needing more than 3 significant digits: not a round fraction like 0.75 or 1.0."""
    return rounded(x, 3) != x


@rule(
    "TV307",
    "metric-stagnation",
    what=f"A training or validation metric identical to 6 significant digits for {STAGNANT_EPOCHS} "
    "epochs in a row (baselines and round values like accuracy 0.75 excluded).",
    why="Real training moves every metric a little. One field report celebrated 'Sharpe 0.0818 after 5 "
    "epochs and 0.0818 after 20' and 'the same val loss to 6 decimals': nothing was being updated.",
    example="""
if g_back > 0 and g_head > 0:   # never true: no step ever happens
    opt.step()
""",
    fix="Find out why the parameters do not change: look at skipped-steps, parameters-not-moving "
    "and lr-too-small, and check that validation runs on the model being trained (not a copy "
    "loaded once).",
)
def metric_stagnation(h: History, r: Rule) -> list[Finding]:
    if len(h.epochs) < STAGNANT_EPOCHS:
        raise CannotJudge(f"fewer than {STAGNANT_EPOCHS} epochs")
    out = []
    for split in ("train", "val"):
        keys = []
        for e in h.epochs:
            for k in list(e.get(split) or {}) + list((e.get("metrics") or {}).get(split) or {}):
                if k not in keys and not k.startswith(_NOT_JUDGED) and not any(d in k.lower() for d in _DISCRETE):
                    keys.append(k)
        stuck = []  # (key, value, epochs, epoch record) of each metric that stagnated
        for key in keys:
            series = epoch_series(h, split, key)
            run, hit = 1, None
            for i in range(1, len(series)):
                same = rounded(series[i][1], 6) == rounded(series[i - 1][1], 6) and _continuous(series[i][1])
                run = run + 1 if same else 1
                if run >= STAGNANT_EPOCHS and hit is None:
                    hit = i
            if hit is not None:
                epochs = [ep for ep, _ in series[hit - STAGNANT_EPOCHS + 1 : hit + 1]]
                ep_rec = next(e for e in h.epochs if e["epoch"] == series[hit][0])
                stuck.append((key, rounded(series[hit][1], 6), epochs, ep_rec))
        if stuck:  # one finding per split, naming every metric that stood still
            first = min(stuck, key=lambda t: t[2][-1])
            values = ", ".join(f"{key} = {value}" for key, value, _, _ in stuck)
            out.append(
                r.finding(
                    "warning",
                    f"{split} {values}: identical to 6 significant digits in epochs {first[2][0]}–{first[2][-1]}: "
                    "nothing is changing",
                    evidence={"split": split, "metrics": {key: value for key, value, _, _ in stuck}, "epochs": first[2]},
                    where=[f"{split}.{key}" for key, _, _, _ in stuck],
                    step=first[3].get("it"),
                )
            )
    return out


@rule(
    "TV308",
    "overfitting",
    what=f"Validation loss more than {OVERFIT_RISE:.0%} above its earlier best for {OVERFIT_EPOCHS} "
    "epochs in a row, and still rising, while the training loss keeps falling.",
    why="Past that point every epoch makes the model worse on data it has not seen; the best "
    "checkpoint is behind you and training on wastes compute.",
    example="""
# a large model, a small dataset, no regularisation, 100 epochs
""",
    fix="Keep the checkpoint with the best validation loss (early stopping), add regularisation "
    "(weight decay, dropout, augmentation), or use more data or a smaller model.",
)
def overfitting(h: History, r: Rule) -> list[Finding]:
    val = dict(epoch_series(h, "val", "loss"))
    train = dict(epoch_series(h, "train", "loss"))
    epochs = [e for e in sorted(val) if e in train]
    if len(epochs) < OVERFIT_EPOCHS + 1:
        raise CannotJudge(f"fewer than {OVERFIT_EPOCHS + 1} epochs with train and val loss")
    for i in range(OVERFIT_EPOCHS, len(epochs)):
        span = epochs[i - OVERFIT_EPOCHS + 1 : i + 1]
        best = min(val[e] for e in epochs[: i - OVERFIT_EPOCHS + 1])
        # Every epoch of the span above the earlier best by the margin (small dips allowed),
        # ending higher than it started, while the training loss fell.
        above = all(val[e] > best * (1 + OVERFIT_RISE) for e in span)
        before = epochs[i - OVERFIT_EPOCHS]
        falling = train[span[-1]] < train[before]
        if above and falling and val[span[-1]] >= val[span[0]]:
            ep_rec = next(e for e in h.epochs if e["epoch"] == span[-1])
            return [
                r.finding(
                    "warning",
                    f"validation loss rose {val[span[0]]:.4g} → {val[span[-1]]:.4g} over epochs {span[0]}–{span[-1]} "
                    f"(best {best:.4g}) while training loss fell {train[before]:.4g} → {train[span[-1]]:.4g} "
                    f"(epochs {before}–{span[-1]})",
                    evidence={"val": [val[e] for e in span], "train": [train[e] for e in span], "best_val": best},
                    where=["val.loss"],
                    step=ep_rec.get("it"),
                )
            ]
    return []
