"""Output-health rule against trivial baselines: a model no better than the persistence, chance
or mean predictor (worse-than-baseline)."""

from __future__ import annotations

from typing import Any

from torchvitals.findings import Finding
from torchvitals.losses import CLASSIFICATION_KINDS
from torchvitals.record import History, rounded
from torchvitals.rules.base import CannotJudge, Rule, rule
from torchvitals.rules.outputs import (
    LOSS_MIN_DECREASE,
    _num,
    out_run,
)

# Baselines are judged from this epoch on (the first epoch of a healthy model can be worse).
BASELINE_FROM_EPOCH = 2
# ... and must stay worse this many epochs in a row (an epoch behind is a slow start).
BASELINE_STREAK = 2
# No skill on the training data: the mean predictor is the best constant, which a model with a
# bias reaches without reading its inputs. A training RMSE at or above it on average over this
# many epochs in a row (from BASELINE_FROM_EPOCH on), while the loss has stopped falling (less
# than LOSS_MIN_DECREASE per epoch, TV306's threshold for "has decreased"), means nothing is
# learned from the inputs; three epochs because one or two can sit on a plateau before a drop,
# and a mean because a model fitting nothing still scores a hair better than the mean by chance
# in some epochs.
NO_SKILL_EPOCHS = 3
# Within this margin of a baseline the model is "no better" (info), beyond it "worse" (warning):
# run-to-run noise of a validation RMSE is a few percent.
BASELINE_MARGIN = 0.05


def _confidently_wrong(m: dict[str, Any]) -> bool:
    """A classifier no more accurate than the majority class whose loss is worse than
    predicting the class frequencies: its confident answers are wrong (labels that do not
    belong to their inputs: an evaluation set shuffled apart from its labels)."""
    return (
        _num(m.get("loss")) and _num(m.get("base_loss")) and m["base_loss"] > 0
        and m["acc"] <= m["base_acc"] * (1 + BASELINE_MARGIN) and m["loss"] > m["base_loss"] * (1 + BASELINE_MARGIN)
    )


def _train_loss(m: dict[str, Any]) -> float:
    """An epoch's training loss; the MSE when no loss was observed."""
    return m["loss"] if _num(m.get("loss")) else m["rmse"] ** 2


def _no_skill_plateau(h: History) -> tuple[list[tuple[dict[str, Any], dict[str, Any]]], int] | None:
    """The epochs ending the run over which the training RMSE was, on average, no better than
    the mean predictor's while the training loss had stopped falling, and the iteration from
    which that held; None when the model beats the mean, is still improving, or the evidence
    is not there."""
    kinds = out_run(h).kinds
    if kinds & CLASSIFICATION_KINDS:  # targets of a classification loss: an RMSE of logits means nothing
        return None
    rows: list[tuple[dict[str, Any], dict[str, Any]]] = []
    for e in h.epochs:
        m = (e.get("metrics") or {}).get("train") or {}
        if e["epoch"] >= BASELINE_FROM_EPOCH and _num(m.get("rmse")) and _num(m.get("base_rmse")) and m["base_rmse"] > 0:
            rows.append((e, m))
    if not rows or rows[-1][0] is not h.epochs[-1]:
        return None
    val = (h.epochs[-1].get("metrics") or {}).get("val") or {}
    if _num(val.get("rmse")) and _num(val.get("base_rmse")) and val["rmse"] < val["base_rmse"]:
        return None  # it beats the mean on held-out data: something was learned (dropout can hide it in train mode)
    start = len(rows) - 1  # the consecutive epochs that end the run
    while start > 0 and rows[start - 1][0]["epoch"] == rows[start][0]["epoch"] - 1:
        start -= 1
    rows = rows[start:]

    def stuck(i: int) -> bool:  # the window of NO_SKILL_EPOCHS epochs ending at rows[i]
        window = [m for _, m in rows[i - NO_SKILL_EPOCHS + 1 : i + 1]]
        # Mean RMSE ratio: a single epoch a hair under the mean is chance, not skill.
        no_skill = sum(m["rmse"] / m["base_rmse"] for m in window) / len(window) >= 1.0
        flat = _train_loss(window[-1]) >= _train_loss(window[0]) * (1 - LOSS_MIN_DECREASE * (NO_SKILL_EPOCHS - 1))
        return no_skill and flat

    ends = range(NO_SKILL_EPOCHS - 1, len(rows))
    if not ends or not stuck(ends[-1]):
        return None
    since = ends[-1]
    while since - 1 in ends and stuck(since - 1):
        since -= 1
    return rows[since - NO_SKILL_EPOCHS + 1 :], rows[since][0].get("it")


@rule(
    "TV305",
    "worse-than-baseline",
    what=f"From epoch 2 on, for {BASELINE_STREAK} epochs in a row, a validation metric (training when there is no validation) worse than "
    "the best trivial model computed from the same targets: the mean predictor and, when given, "
    "persistence for regression (RMSE); the majority class for classification (accuracy), or, "
    "for a classifier no more accurate than that, predicting the class frequencies (its loss). "
    f"Also a training RMSE no better than the mean predictor's, on average over {NO_SKILL_EPOCHS} "
    f"epochs in a row, while the training loss has stopped falling (less than {LOSS_MIN_DECREASE:.0%} per "
    "epoch): the model learns nothing from its inputs.",
    why="A model can train without error and still be useless. One forecaster had a "
    "validation RMSE of 0.1034 while repeating the last value scored 0.0120: eight times better, "
    "and nothing said so. On its own training data a model can always match the mean predictor "
    "(its bias alone does); when it does no better once the loss has settled, the inputs carry "
    "nothing it can use, which is what happens when inputs and targets are shuffled apart.",
    example="""
monitor = torchvitals.watch(model, opt, baseline=lambda x: x[:, -1, 0])   # persistence
...
monitor.observe(pred, y, loss, inputs=x)

x_loader = DataLoader(TensorDataset(x), batch_size=64, shuffle=True)   # two shuffles:
y_loader = DataLoader(TensorDataset(y), batch_size=64, shuffle=True)   # every x gets another y
for (xb,), (yb,) in zip(x_loader, y_loader): ...
""",
    fix="Compare against the baseline before tuning anything else: check that the target is "
    "aligned with the inputs (no off-by-one, not shuffled separately), that inputs are "
    "normalised, that the learning rate lets the model learn (lr-too-small), and consider "
    "predicting the change from the last value.",
)
def worse_than_baseline(h: History, r: Rule) -> list[Finding]:
    judged = [e for e in h.epochs if (e.get("metrics") or {})]
    if not judged:
        raise CannotJudge("no epoch_end() with observed predictions and targets")
    verdicts = []
    for e in judged:
        m = e["metrics"].get("val") or e["metrics"].get("train") or {}
        split = "val" if e["metrics"].get("val") else "train"
        if _num(m.get("rmse")):
            bases = {k: m[k] for k in ("base_rmse", "persist_rmse") if _num(m.get(k)) and m[k] > 0}
            if bases:
                name, best = min(bases.items(), key=lambda kv: kv[1])
                verdicts.append((e, split, "RMSE", m["rmse"], name, best, m["rmse"] > best))
        elif _num(m.get("acc")) and _num(m.get("base_acc")):
            if _confidently_wrong(m):
                verdicts.append((e, split, "loss", m["loss"], "base_loss", m["base_loss"], True))
            else:
                verdicts.append((e, split, "accuracy", m["acc"], "base_acc", m["base_acc"], m["acc"] < m["base_acc"]))
    late = [v for v in verdicts if v[0]["epoch"] >= BASELINE_FROM_EPOCH]
    stuck = _no_skill_plateau(h)
    if not late and stuck is None:
        raise CannotJudge(f"fewer than {BASELINE_FROM_EPOCH} epochs with metrics and baselines")
    found = None
    if late and late[-1][6]:
        first = next(v for v in late if v[6] and all(w[6] for w in late[late.index(v) :]))
        trailing = len(late) - late.index(first)  # the latest epochs in a row that were no better
        e, split, metric, value, base_name, base, _ = late[-1]
        label = {"base_rmse": "the mean predictor", "persist_rmse": "persistence (the last value)",
                 "base_acc": "always predicting the majority class", "base_loss": "predicting the class frequencies"}[base_name]
        ratio = base / max(value, 1e-12) if metric == "accuracy" else value / base
        m = e["metrics"][split]
        tail = f", with an accuracy ({m['acc']:.4g}) no better than the majority class's ({m['base_acc']:.4g})" if metric == "loss" else ""
        # A warning takes two such epochs in a row (one when the run ended with only one to
        # judge): a model still learning can trail the baseline for an epoch and catch up.
        need = min(BASELINE_STREAK, len(late)) if h.end is not None else BASELINE_STREAK
        # On the training data alone, trailing the mean predictor while the loss still falls is a
        # slow start: the no-skill plateau below judges that case.
        worse = ratio > 1 + BASELINE_MARGIN and trailing >= need and split == "val"
        found = r.finding(
            "warning" if worse else "info",
            f"{split} {metric} {value:.4g} is {'worse than' if ratio > 1 + BASELINE_MARGIN else 'no better than'} {label} ({base:.4g}): "
            f"{ratio:.2f}× at epoch {e['epoch']}{tail}",
            evidence={"split": split, "metric": metric, "value": value, "baseline": base_name, "baseline_value": base, "ratio": rounded(ratio)},
            where=[split],
            step=first[0].get("it"),
        )
    if stuck is None or (found is not None and found.severity == "warning"):
        return [found] if found is not None else []
    window, since = stuck
    final = window[-NO_SKILL_EPOCHS:]  # the window judged last
    (e0, _), (e1, m1) = final[0], final[-1]
    losses = [_train_loss(m) for _, m in window]
    last = ", ".join(f"{v:.4g}" for v in losses[-NO_SKILL_EPOCHS:])
    ratio = sum(m["rmse"] / m["base_rmse"] for _, m in final) / len(final)
    return [
        r.finding(
            "warning",
            f"train RMSE {m1['rmse']:.4g} is no better than the mean predictor ({m1['base_rmse']:.4g}) on the "
            f"training data itself ({ratio:.3f}× on average over epochs {e0['epoch']}–{e1['epoch']}), and the "
            f"training loss has stopped falling (last {NO_SKILL_EPOCHS} epochs: {last}): the model learns nothing "
            "from its inputs",
            evidence={
                "split": "train",
                "metric": "RMSE",
                "value": m1["rmse"],
                "baseline": "base_rmse",
                "baseline_value": m1["base_rmse"],
                "ratio": rounded(ratio),
                "epochs": [e["epoch"] for e, _ in window],
                "losses": losses,
            },
            where=["train"],
            step=since,
            fix="Check that every target is still paired with its own input: features and targets "
            "shuffled by two DataLoaders (or two permutations), a join on the wrong key, targets "
            "shifted by one. Then check that the inputs reach the model (normalised, not constant).",
        )
    ]
