"""Output-health rules: what the model predicts, against its targets and trivial baselines."""

from __future__ import annotations

import math
from collections import deque
from dataclasses import dataclass, field
from itertools import zip_longest
from typing import Any

from torchvitals.config import option
from torchvitals.findings import Finding
from torchvitals.losses import CLASSIFICATION_KINDS, kinds_wanting
from torchvitals.record import History, fold, rounded
from torchvitals.rules.base import CannotJudge, Rule, rule
from torchvitals.stats import Derived, Streak

# Seed 000's PRED_STD_FLOOR: a spread across the batch below this is a constant output.
COLLAPSE_ABS = 1e-6
# Spread below this fraction of the targets' spread is a collapse (noisy targets legitimately
# shrink optimal predictions towards the mean, but not by three orders of magnitude).
COLLAPSE_REL = 1e-3
# Consecutive sampled iterations (after warm-up) the collapse must last.
COLLAPSE_K = 5
# Loss-not-decreasing: window of sampled loss means, and the smallest relative improvement of
# the best later window over the first one. SageMaker Debugger's LossNotDecreasing compares
# consecutive windows of num_steps=10 with diff_percent=0.1%; that also fires on a converged
# run's plateau. Comparing with the *first* window fires only when the loss never fell, the
# "model learns nothing" case of DeepDiagnosis (Wardat et al., ICSE 2022).
LOSS_WINDOW = 5
LOSS_MIN_DECREASE = 0.01
# Metric stagnation: epochs in a row with a metric identical to 6 significant digits (seed 004).
STAGNANT_EPOCHS = 3
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
# Overfitting: epochs in a row of rising validation loss, and how far above its best.
OVERFIT_EPOCHS = 3
OVERFIT_RISE = 0.1


@dataclass
class OutRun:
    """The first optimizer's records with output statistics, folded one by one: what the
    output rules read (History keeps only the latest records whole)."""

    n: int = 0
    collapse: Streak = field(default_factory=lambda: Streak(COLLAPSE_K))  # payload (out, iteration)
    losses: int = 0  # records with a loss (or a count of non-finite ones)
    nonfinite: float = 0.0  # non-finite losses counted
    nonfinite_it: int | None = None  # first record with one
    kinds: set = field(default_factory=set)  # the loss kinds seen
    last_kind: str | None = None  # the latest loss kind seen, in any record
    prob: int = 0  # records a probability check applies to
    prob_hits: int = 0
    prob_first: tuple[dict[str, Any], str] | None = None  # (out, how) of the first hit
    prob_step: int | None = None  # iteration of the PROB_HITS-th hit
    prob_lo: float = math.inf
    prob_hi: float = -math.inf
    # loss-not-decreasing over the sampled losses after warm-up, in windows of LOSS_WINDOW
    curve: int = 0
    first_window: list[float] = field(default_factory=list)
    window: deque = field(default_factory=lambda: deque(maxlen=LOSS_WINDOW))
    best: float = math.inf
    flat_it: int | None = None  # iteration completing the first window judged not decreasing


def out_run(h: History) -> OutRun:
    return h.folded("outputs")


@fold("outputs", OutRun)
def _fold_outputs(run: OutRun, h: History, rec: dict[str, Any], d: Derived) -> None:
    o = rec.get("out")
    if isinstance(o, dict) and isinstance(o.get("loss_kind"), str):
        run.last_kind = o["loss_kind"]
    if rec.get("opt") != 0 or not isinstance(o, dict):
        return
    it, warm = rec["it"], _warmup(h)
    run.n += 1
    run.kinds.add(o.get("loss_kind"))
    if _num(o.get("spread")) and it > warm:
        run.collapse.add(_collapsed(o), (o, it))
    if "loss" in o or "loss_nonfinite" in o:
        run.losses += 1
        if o.get("loss_nonfinite"):
            run.nonfinite += o["loss_nonfinite"]
            if run.nonfinite_it is None:
                run.nonfinite_it = it
    if _num(o.get("prob_rows")) or (o.get("out_op") and o.get("loss_kind")):
        run.prob += 1
        how = _probability_evidence(o)
        if how:
            run.prob_hits += 1
            if run.prob_first is None:
                run.prob_first = (o, how)
            if run.prob_hits == PROB_HITS:
                run.prob_step = it
            if _num(o.get("min")) and _num(o.get("max")):
                run.prob_lo, run.prob_hi = min(run.prob_lo, o["min"]), max(run.prob_hi, o["max"])
    if it > warm and _num(o.get("loss")):
        run.curve += 1
        v = o["loss"]
        if len(run.first_window) < LOSS_WINDOW:
            run.first_window.append(v)
        run.window.append(v)
        # The window of the LOSS_WINDOW latest losses, once it starts after the first window.
        if run.curve >= 2 * LOSS_WINDOW:
            run.best = min(run.best, sum(run.window) / LOSS_WINDOW)
            first = sum(run.first_window) / LOSS_WINDOW
            if run.flat_it is None and run.curve >= 3 * LOSS_WINDOW and run.best > first * (1 - LOSS_MIN_DECREASE):
                run.flat_it = it


def _num(x: Any) -> bool:
    return isinstance(x, (int, float)) and not isinstance(x, bool) and math.isfinite(x)


def _warmup(h: History) -> int:
    return option(h, "warmup")


def _collapsed(o: dict[str, Any]) -> bool:
    spread = o.get("spread")
    if not _num(spread):
        return False
    if o.get("target_multi") == 1 and o.get("one_class") == 1:
        return True
    ts = o.get("target_spread")
    if _num(ts) and ts > 0:
        return spread < max(COLLAPSE_ABS, COLLAPSE_REL * ts)
    return spread <= COLLAPSE_ABS * max(1.0, o.get("scale") or 0.0)


@rule(
    "TV301",
    "prediction-collapse",
    what=f"Predictions whose spread across the batch stays below {COLLAPSE_REL:g}× the targets' "
    f"spread (or {COLLAPSE_ABS:g} absolute), or a classifier that "
    f"predicts one class for every sample, for {COLLAPSE_K} sampled iterations in a row.",
    why="A model that outputs a constant has given up on the inputs: the loss settles at the "
    "target variance and stays there. In one field report the predictions collapsed to a constant and needed "
    "a degeneracy guard.",
    example="""
head = nn.Sequential(nn.Linear(64, 1), nn.ReLU())   # targets are mostly negative:
loss = F.mse_loss(head(h).squeeze(-1), y)           # ReLU outputs 0 for everything
""",
    fix="Remove output activations that cannot reach the targets (ReLU before a signed target), "
    "normalise the targets, lower the learning rate, check that the inputs carry signal. "
    "torchvitals.guards.DegeneracyGuard re-initialises the head and adds a variance penalty.",
)
def prediction_collapse(h: History, r: Rule) -> list[Finding]:
    run = out_run(h)
    streak = run.collapse
    if not streak.n:
        raise CannotJudge("no sampled model output after warm-up (observe() or a tensor output)")
    first = streak.first(final=h.end is not None and streak.n >= 2)
    if first is None:
        return []
    o, hit_it = first[1]
    recovered = not any(streak.recent)
    resets = sum(1 for e in h.events if e.get("kind") == "degeneracy-reset")
    if o.get("one_class") == 1 and o.get("target_multi") == 1:
        what = "every sample is predicted as the same class (the targets hold several)"
    else:
        ts = o.get("target_spread")
        what = f"prediction spread across the batch {o['spread']:.2e}" + (f" vs targets {ts:.2e}" if _num(ts) else "")
        if _num(o.get("const_frac")) and o["const_frac"] > 0:
            what += f"; {o['const_frac']:.0%} of outputs constant"
    tail = f"; recovered later ({resets} degeneracy-guard reset(s))" if recovered else ""
    return [
        r.finding(
            "info" if recovered else "warning",
            f"{what}, in {streak.hits} of {streak.n} sampled iterations{tail}",
            evidence={k: o.get(k) for k in ("spread", "target_spread", "const_frac", "one_class", "target_multi")}
            | {"collapsed": streak.hits, "sampled": streak.n, "resets": resets},
            where=["output"],
            step=hit_it,
        )
    ]


@rule(
    "TV302",
    "nonfinite-loss",
    what="A loss value that is NaN or Inf in any observed batch.",
    why="A non-finite loss produces non-finite gradients; the optimizer then writes NaN into the "
    "weights, and every later prediction is NaN.",
    example="""
loss = F.binary_cross_entropy(torch.sigmoid(z), y)   # sigmoid saturates to exactly 0 or 1
""",
    fix="Compute losses from logits (F.binary_cross_entropy_with_logits, F.cross_entropy), clamp "
    "log/sqrt/division arguments, and check the inputs for NaN. With AMP, keep the loss in fp32.",
)
def nonfinite_loss(h: History, r: Rule) -> list[Finding]:
    run = out_run(h)
    epochs = [e for e in h.epochs if any(_num(m.get("loss_nonfinite")) for m in (e.get("metrics") or {}).values())]
    if not run.losses and not epochs:
        raise CannotJudge("no observed loss (pass loss= to observe())")
    count, first = run.nonfinite, run.nonfinite_it
    if first is None:
        for e in epochs:
            n = sum(m.get("loss_nonfinite", 0) for m in e["metrics"].values())
            if n:
                return [r.finding("error", f"{int(n)} non-finite loss value(s) in epoch {e['epoch']}", evidence={"count": n}, where=["loss"], step=e.get("it"))]
        return []
    return [
        r.finding(
            "error",
            f"the loss was NaN/Inf in {int(count)} observed batch(es), first in the interval ending at "
            f"iteration {first}",
            evidence={"count": count, "first": first},
            where=["loss"],
            step=first,
        )
    ]


_INPUT_EVENTS = ("loss-input-shape", "loss-input-float-target")


def _shape(x: Any) -> bool:
    return isinstance(x, list) and all(isinstance(n, int) and not isinstance(n, bool) and n >= 0 for n in x)


def _broadcast(a: tuple[int, ...], b: tuple[int, ...]) -> tuple[int, ...] | None:
    """The shape `a` and `b` broadcast to (torch.broadcast_shapes), None when they do not."""
    out = []
    for x, y in zip_longest(reversed(a), reversed(b), fillvalue=1):
        if x == y or y == 1:
            out.append(x)
        elif x == 1:
            out.append(y)
        else:
            return None
    return tuple(reversed(out))


def loss_input_text(e: dict[str, Any]) -> str:
    """What a loss-input event shows, from its evidence: the shapes of a float target and its
    prediction that differ (an element-wise loss broadcasts them), or a float target given to a
    loss taking class indices. An event without that evidence (PyTorch's own warning, or a run
    written before the probe recorded it) says what it holds."""
    kind = e.get("kind")
    if kind == "loss-input-shape" and _shape(e.get("pred")) and _shape(e.get("target")):
        pred, target = tuple(e["pred"]), tuple(e["target"])
        out = _broadcast(pred, target)
        if out is None:
            return f"prediction {pred} and target {target} do not broadcast"
        return (
            f"prediction {pred} and target {target} broadcast to {out}: an "
            f"element-wise loss compares every prediction with every target"
        )
    if kind == "loss-input-float-target" and _shape(e.get("target")) and isinstance(e.get("dtype"), str) and isinstance(e.get("loss_kind"), str):
        return (
            f"a float target {tuple(e['target'])} ({e['dtype']}) was given to {e['loss_kind']}: it is read as "
            "class probabilities per row, not as class indices"
        )
    return str(e.get("text", kind))


@rule(
    "TV303",
    "loss-input-mismatch",
    what="A prediction and target whose shapes broadcast instead of matching (pred (B,1) vs "
    "target (B,) in MSE compares every prediction with every target), or a float target given "
    "to a class-index loss.",
    why="The loss is computed and falls, but over the wrong pairs: the model learns the target "
    "mean. PyTorch warns once, in a line that scrolls away.",
    example="""
pred = model(x)                      # (B, 1)
loss = F.mse_loss(pred, y)           # y is (B,): the loss is over a (B, B) matrix
""",
    fix="Make the shapes equal: pred.squeeze(-1) or y.unsqueeze(-1). For class-index losses pass "
    "integer (long) targets; float targets are read as per-class probabilities.",
)
def loss_input_mismatch(h: History, r: Rule) -> list[Finding]:
    events = [e for e in h.events if e.get("kind") in _INPUT_EVENTS]
    if not events and not out_run(h).n and not h.epochs:
        raise CannotJudge("no observed prediction/target pair (observe(pred, target))")
    out = []
    for kind in _INPUT_EVENTS:  # one finding per problem, however many places reported it
        same = [e for e in events if e["kind"] == kind]
        if not same:
            continue
        own = [e for e in same if not str(e.get("text", "")).startswith("PyTorch warned")]
        first = (own or same)[0]
        also = " (PyTorch warned about it too)" if own and len(own) < len(same) else ""
        out.append(
            r.finding(
                "warning",
                loss_input_text(first) + also,
                evidence={k: v for k, v in first.items() if k not in ("type", "text")} | {"reports": len(same)},
                where=["loss"],
                step=min(e.get("it") or 0 for e in same),
            )
        )
    return out


# Losses that expect logits (they apply the sigmoid/softmax themselves) or log-probabilities.
_WANTS_LOGITS = kinds_wanting("logits")
_WANTS_LOG_PROBS = kinds_wanting("log_probs")
# Autograd ops whose outputs are probabilities (values in [0, 1]).
_PROB_OPS = ("Sigmoid", "Softmax")
# Sampled iterations that must show probabilities fed as logits: one could be a fluke of the
# first batch, two in a row is the loop doing it every time.
PROB_HITS = 2


def _probability_evidence(o: dict[str, Any]) -> str | None:
    """How this sampled output shows probabilities where the loss wants logits, or None."""
    kind = o.get("loss_kind")
    if _num(o.get("prob_rows")) and o["prob_rows"] >= 0.99 and ("target_multi" in o or kind in _WANTS_LOGITS | _WANTS_LOG_PROBS):
        return "rows"
    # A single column cannot be told from small logits by its values (a GAN discriminator's
    # logits sit in [0, 1] for long stretches): the op that produced it can. A sigmoid's or
    # softmax's output given to a loss that applies its own is probabilities by construction.
    in_unit = _num(o.get("min")) and _num(o.get("max")) and o["min"] >= 0 and o["max"] <= 1
    if o.get("out_op") in _PROB_OPS and kind in _WANTS_LOGITS | _WANTS_LOG_PROBS and in_unit:
        return "op"
    return None


@rule(
    "TV304",
    "probabilities-as-logits",
    what="Outputs that are already probabilities fed where logits or log-probabilities are "
    "expected: rows in [0, 1] summing to 1 given to cross-entropy with class-index targets, or "
    "to KL-div/NLL; or the output of a sigmoid or softmax (the autograd op that produced the "
    "values, seen through reshapes) given to binary_cross_entropy_with_logits, cross_entropy, "
    f"nll_loss or kl_div. In {PROB_HITS} sampled iterations or more.",
    why="cross_entropy applies log_softmax itself: a softmax before it squashes the gradient, "
    "training crawls and plateaus early. BCEWithLogitsLoss applies its own sigmoid: after "
    "nn.Sigmoid it sees sigmoid(sigmoid(z)), confined to (0.5, 0.73), so it can never predict "
    "the negative class confidently and the loss stays high however good the model is. kl_div "
    "and nll_loss expect log-probabilities and silently compute something else from "
    "probabilities.",
    example="""
probs = torch.softmax(model(x), dim=-1)
loss = F.cross_entropy(probs, y)     # softmax applied twice

model = nn.Sequential(nn.Linear(12, 1), nn.Sigmoid())
loss = nn.BCEWithLogitsLoss()(model(x), y)   # sigmoid applied twice
""",
    fix="Pass the raw logits to cross_entropy and BCEWithLogitsLoss (drop the softmax or "
    "nn.Sigmoid from the model; apply it only when you need probabilities for prediction), or "
    "keep the sigmoid and use nn.BCELoss. Give kl_div and nll_loss log_softmax outputs.",
)
def probabilities_as_logits(h: History, r: Rule) -> list[Finding]:
    run = out_run(h)
    if not run.prob:
        raise CannotJudge("no sampled multi-class output, and no output whose loss and producing op are known")
    if run.prob_hits < PROB_HITS or run.prob_first is None:
        return []
    o, how = run.prob_first
    kind = o.get("loss_kind") or "cross_entropy"
    expected = "log-probabilities" if kind in _WANTS_LOG_PROBS else "logits"
    step = run.prob_step
    evidence = {"sampled": run.prob, "hits": run.prob_hits, "loss_kind": kind}
    if how == "rows":
        return [
            r.finding(
                "warning",
                f"the outputs given with class targets are probabilities (rows in [0, 1] summing to 1) in "
                f"{run.prob_hits} of {run.prob} sampled iterations; {kind} expects {expected}",
                evidence=evidence,
                where=["output"],
                step=step,
            )
        ]
    op = o["out_op"].lower()
    lo, hi = run.prob_lo, run.prob_hi
    # What the loss does with them: applies its own sigmoid/softmax again, or takes them as logs.
    own = "softmax" if kind == "cross_entropy" else "sigmoid"
    does = f"it applies its own {own} and sees {own}({op}(z))" if kind in _WANTS_LOGITS else f"it expects {expected}"
    return [
        r.finding(
            "warning",
            f"the values given to {kind} are the output of a {op} (all in [{lo:.3g}, {hi:.3g}]) in "
            f"{run.prob_hits} of {run.prob} sampled iterations: {does}",
            evidence=evidence | {"op": o["out_op"], "min": lo, "max": hi},
            where=["output"],
            step=step,
        )
    ]


def epoch_series(h: History, split: str, key: str) -> list[tuple[int, float]]:
    """(epoch, value) for a metric: what the user passed to epoch_end, else what torchvitals
    computed from observe()."""
    out = []
    for e in h.epochs:
        user = e.get(split) or {}
        computed = (e.get("metrics") or {}).get(split) or {}
        v = user.get(key, computed.get(key))
        if _num(v):
            out.append((e["epoch"], float(v)))
    return out


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
    "persistence for regression (RMSE); the majority class for classification (accuracy). "
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
        label = {"base_rmse": "the mean predictor", "persist_rmse": "persistence (the last value)", "base_acc": "always predicting the majority class"}[base_name]
        ratio = value / base if metric == "RMSE" else base / max(value, 1e-12)
        # A warning takes two such epochs in a row (one when the run ended with only one to
        # judge): a model still learning can trail the baseline for an epoch and catch up.
        need = min(BASELINE_STREAK, len(late)) if h.end is not None else BASELINE_STREAK
        # On the training data alone, trailing the mean predictor while the loss still falls is a
        # slow start: the no-skill plateau below judges that case.
        worse = ratio > 1 + BASELINE_MARGIN and trailing >= need and split == "val"
        found = r.finding(
            "warning" if worse else "info",
            f"{split} {metric} {value:.4g} is {'worse than' if ratio > 1 + BASELINE_MARGIN else 'no better than'} {label} ({base:.4g}): "
            f"{ratio:.2f}× at epoch {e['epoch']}",
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


def _loss_named(h: History) -> str:
    """'the training loss', naming the loss function it was measured at when known (a script's
    own loss may add terms to it: a VAE's KL term)."""
    kind = out_run(h).last_kind
    return f"the training loss (as measured at {kind})" if kind else "the training loss"


@rule(
    "TV306",
    "loss-not-decreasing",
    what=f"A training loss whose best {LOSS_WINDOW}-sample window never gets {LOSS_MIN_DECREASE:.0%} "
    f"below its first window (after {3 * LOSS_WINDOW} sampled iterations), or whose epoch means "
    f"never fall {LOSS_MIN_DECREASE:.0%} below the first epoch's within {STAGNANT_EPOCHS} epochs.",
    why="A flat loss from the start means nothing is being learned: skipped steps, a learning "
    "rate that moves nothing, a frozen model, or a loss disconnected from the parameters.",
    example="""
for p in model.parameters():
    p.requires_grad_(False)   # frozen by a fine-tuning helper, loss stays flat
""",
    fix="Look for the cause among the other findings (skipped-steps, lr-too-small, "
    "dead-parameters); run torchvitals' overfit-one-batch check; verify the loss uses the "
    "model's output.",
)
def loss_not_decreasing(h: History, r: Rule) -> list[Finding]:
    run = out_run(h)
    if run.curve >= 3 * LOSS_WINDOW:
        first = sum(run.first_window) / LOSS_WINDOW
        best = run.best
        if best > first * (1 - LOSS_MIN_DECREASE) and run.flat_it is not None:
            return [
                r.finding(
                    "warning",
                    f"{_loss_named(h)} has not decreased: first window {first:.4g}, best window since "
                    f"{best:.4g} over {run.curve} sampled iterations"
                    # Even the best later window above the first: the loss climbs (divergence, or
                    # steps taken uphill such as a gradient flipped by a negative clipping norm).
                    + (f"; it rose {best / first:.1f}×" if first > 0 and best > first * (1 + LOSS_MIN_DECREASE) else ""),
                    evidence={"first": rounded(first), "best": rounded(best), "sampled": run.curve},
                    where=["loss"],
                    step=run.flat_it,
                )
            ]
        return []
    series = epoch_series(h, "train", "loss")
    if len(series) >= STAGNANT_EPOCHS:
        first = series[0][1]
        rest = [v for _, v in series[1:]]
        if min(rest) > first * (1 - LOSS_MIN_DECREASE) and first > 0:
            return [
                r.finding(
                    "warning",
                    f"{_loss_named(h)} has not decreased over {len(series)} epochs ({first:.4g} → {series[-1][1]:.4g})",
                    evidence={"losses": [v for _, v in series]},
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
