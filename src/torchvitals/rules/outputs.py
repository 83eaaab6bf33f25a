"""Output-health rules over the output record: the folded output statistics the output rules
read (and the helpers they share), predictions that collapse, non-finite losses. Loss inputs
are judged in loss_inputs.py, baselines in baselines.py, training progress in progress.py."""

from __future__ import annotations

import math
from collections import deque
from dataclasses import dataclass, field
from typing import Any

from torchvitals.config import option
from torchvitals.findings import Finding
from torchvitals.losses import kinds_wanting
from torchvitals.record import History, fold
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


@dataclass
class Hits:
    """The sampled outputs a check applies to (`n`), those that show its fault (`hits`), the
    first of them and the iteration of the PROB_HITS-th."""

    n: int = 0
    hits: int = 0
    first: Any = None
    step: int | None = None

    def add(self, hit: Any, it: int) -> None:
        """One output the check applies to; `hit`: what shows the fault, None when nothing does."""
        self.n += 1
        if hit is None:
            return
        self.hits += 1
        if self.first is None:
            self.first = hit
        if self.hits == PROB_HITS:
            self.step = it

    def shown(self, none_judged: str) -> Any:
        """The first hit once PROB_HITS outputs show the fault, else None; CannotJudge
        (`none_judged`) when the check applied to no output."""
        if not self.n:
            raise CannotJudge(none_judged)
        return self.first if self.hits >= PROB_HITS else None


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
    # probabilities-as-logits: records a probability check applies to; a hit is (out, how)
    prob: Hits = field(default_factory=Hits)
    prob_lo: float = math.inf
    prob_hi: float = -math.inf
    # clipped-logits: records whose values' producing op and loss are known; a hit came out of a ReLU
    clip: Hits = field(default_factory=Hits)
    # logits-as-log-probs: records of a loss that takes log-probabilities; a hit has values above LOG_PROB_MAX
    logp: Hits = field(default_factory=Hits)
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
    _fold_probabilities(run, o, rec.get("other_losses"), it)
    if o.get("out_op") and o.get("loss_kind"):  # judged: a loss that takes no logits has none to clip
        clipped = o["loss_kind"] in _WANTS_LOGITS and o["out_op"] in _CLIP_OPS and _num(o.get("min")) and o["min"] >= 0
        run.clip.add(o if clipped else None, it)
    if o.get("loss_kind") in _WANTS_LOG_PROBS and _num(o.get("max")):
        raw = o["max"] > LOG_PROB_MAX and _probability_evidence(o) is None  # probabilities: TV304's
        run.logp.add(o if raw else None, it)
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


def _fold_probabilities(run: OutRun, o: dict[str, Any], others: Any, it: int) -> None:
    """probabilities-as-logits: the observed loss's output, and the other training losses of the
    iteration (`torchvitals run`: [kind, producing op] each, their values not read; a sigmoid's
    or softmax's output is in [0, 1] by construction)."""
    main = _num(o.get("prob_rows")) or bool(o.get("out_op") and o.get("loss_kind"))
    wanting = _WANTS_LOGITS | _WANTS_LOG_PROBS
    rest = [{"loss_kind": k, "out_op": op} for k, op in others or () if k in wanting]
    if not (main or rest):
        return
    how = _probability_evidence(o) if main else None
    hit = (o, how) if how else next(((x, "op") for x in rest if x["out_op"] in _PROB_OPS), None)
    run.prob.add(hit, it)
    if hit is not None and hit[0] is o and _num(o.get("min")) and _num(o.get("max")):
        run.prob_lo, run.prob_hi = min(run.prob_lo, o["min"]), max(run.prob_hi, o["max"])


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
    recovered = not streak.recent_hit
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


# Losses that expect logits (they apply the sigmoid/softmax themselves) or log-probabilities.
_WANTS_LOGITS = kinds_wanting("logits")
_WANTS_LOG_PROBS = kinds_wanting("log_probs")
# Autograd ops whose outputs are probabilities (values in [0, 1]).
_PROB_OPS = ("Sigmoid", "Softmax")
# Autograd ops that clip values at zero from below (torch.relu, nn.ReLU, F.threshold).
_CLIP_OPS = ("Relu", "Threshold")
# Sampled iterations that must show probabilities fed as logits: one could be a fluke of the
# first batch, two in a row is the loop doing it every time.
PROB_HITS = 2
# A log-probability is at most 0; log_softmax's largest output is 0 up to rounding (about 1e-7
# in float32). A value above this is no log-probability.
LOG_PROB_MAX = 1e-3


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
