"""Gradient-flow rules, part one: the gradient record (thresholds, folded statistics and the
helpers other rules share) and the parameters that get no gradient (dead-parameters). Those in
no optimizer are judged in unoptimized.py, the gradient norms (vanishing, exploding, non-finite)
in gradient_norms.py."""

from __future__ import annotations

import bisect
import math
from collections import deque
from dataclasses import dataclass, field
from typing import Any

from torchvitals.config import option
from torchvitals.findings import Finding
from torchvitals.names import compact
from torchvitals.record import History, fold
from torchvitals.rules.base import CannotJudge, Rule, rule
from torchvitals.rules.tally import ZERO_EVIDENCE, tallies
from torchvitals.stats import Derived, Streak, median

# Vanishing must hold this many consecutive sampled iterations (seed 000 saw it at every step).
VANISH_STREAK = 3
# A bucket this many times weaker than the strongest bucket of the same iteration vanishes
# even when its absolute norm is above warn_norm (healthy models spread over ~1e1-1e3). The
# ratio has a floor: a bucket above warn_norm is only flagged by it when the strongest bucket
# is above warn_norm / RELATIVE_VANISH (0.1), so tiny gradients everywhere are no evidence.
RELATIVE_VANISH = 1e-6
# Gradient attenuation between the last and first probed module that counts as vanishing
# (seed 000 measured 1e10 through its FAN→SAN stack; healthy stacks stay within ~1e2).
ATTENUATION = 1e4
# A probed block that shrinks the gradient more than this is named as part of the attenuation.
BLOCK_DROP = 10.0
# A global gradient norm this many times the median of the previous sampled iterations is a spike.
SPIKE = 100.0
SPIKE_HISTORY = 5
# The median is over the latest SPIKE_WINDOW sampled iterations before (all of them in a shorter
# run): memory stays flat, and a gradient that has shrunk over a long run is compared with
# what it is now, not with its first thousands of iterations.
SPIKE_WINDOW = 1024
# ... and it must reach this absolute norm: a ratio to a median that is itself near zero is not
# evidence (a converged model's gradients of ~1e-7 jumping to 2e-5 are 200x and still nothing).
# With learning rates of at most ~1, a gradient below 1e-2 cannot throw weights of unit scale.
SPIKE_FLOOR = 1e-2


# The records with gradient statistics, folded one by one (History keeps only the latest whole).


@dataclass
class _Bucket:
    streak: Streak  # vanishing flags; payload (norm, strongest bucket's norm)
    norms: deque = field(default_factory=lambda: deque(maxlen=10))


@dataclass
class GradRun:
    """One optimizer's records with gradients: what the gradient rules read."""

    n: int = 0
    first_it: int | None = None
    buckets: dict[str, _Bucket] = field(default_factory=dict)
    window: list[float] = field(default_factory=list)  # sorted positive totals of the latest SPIKE_WINDOW
    order: deque = field(default_factory=deque)  # ... in arrival order
    spikes: int = 0
    spike: tuple[int, float, float] | None = None  # first: (iteration, norm, median before)
    bad: int = 0  # records with a non-finite gradient
    applied: int = 0  # ... whose step was taken
    first_bad: tuple[int, list[int]] | None = None
    first_applied: tuple[int, list[int]] | None = None


def grad_runs(h: History) -> dict[int, GradRun]:
    """Optimizer → its folded records with gradients (only optimizers that have some)."""
    return h.folded("gradients")


@fold("gradients", dict)
def _fold_gradients(state: dict[int, GradRun], h: History, rec: dict[str, Any], d: Derived) -> None:
    if "g" not in rec:
        return
    run = state.setdefault(rec["opt"], GradRun())
    run.n += 1
    it = rec["it"]
    if run.first_it is None:
        run.first_it = it
    # vanishing: every bucket seen so far is flagged or not at every record (absent: norm 0)
    warn, weak = weak_buckets(h, d)
    below = {b for b, _ in weak}
    top = max(d.buckets.values(), default=0.0)
    for b in d.buckets:
        if b not in run.buckets:
            late = _Bucket(Streak(VANISH_STREAK, n=run.n - 1))
            late.norms.extend([0.0] * min(run.n - 1, 10))
            run.buckets[b] = late
    for b, bk in run.buckets.items():
        v = d.buckets.get(b, 0.0)
        bk.streak.add(0.0 < v and (b in below or v < top * RELATIVE_VANISH), (v, top, it))
        bk.norms.append(v)
    # exploding: the running median of the totals before this one
    limit = option(h, "explode_norm")
    t = d.total
    med = median(run.window, presorted=True) if run.window else 0.0
    if t > limit or (len(run.window) >= SPIKE_HISTORY and t > SPIKE * med and t >= SPIKE_FLOOR):
        run.spikes += 1
        if run.spike is None:
            run.spike = (it, t, med)
    if t > 0 and math.isfinite(t):
        if len(run.order) == SPIKE_WINDOW:
            old = run.order.popleft()
            del run.window[bisect.bisect_left(run.window, old)]
        run.order.append(t)
        bisect.insort(run.window, t)
    # non-finite
    if d.nonfinite:
        run.bad += 1
        if run.first_bad is None:
            run.first_bad = (it, list(d.nonfinite))
        if rec.get("stepped"):
            run.applied += 1
            if run.first_applied is None:
                run.first_applied = (it, list(d.nonfinite))


def weak_buckets(h: History, d: Derived) -> tuple[float, list[tuple[str, float]]]:
    """warn_norm, and the buckets of one sampled iteration whose gradient norm is below it: one
    sample of TV103's absolute test (the finding needs a non-zero norm, VANISH_STREAK in a row).
    The console's `[GRAD-MONITOR] bucket: norm … < …` lines show these."""
    warn = option(h, "warn_norm")
    return warn, [(b, v) for b, v in d.buckets.items() if v < warn]


@fold("activations", lambda: Streak(VANISH_STREAK))
def _fold_activations(state: Streak, h: History, rec: dict[str, Any], d: Derived) -> None:
    if rec.get("act"):
        a = attenuation(rec["act"], option(h, "warn_norm"))
        state.add(a is not None, (a, rec["it"]))


def opt_label(h: History, k: int) -> str:
    kind = h.optimizers[k].get("type", "optimizer") if k < len(h.optimizers) else "optimizer"
    if kind == "ManualUpdates":
        kind = "the hand-written parameter update (no torch.optim optimizer)"
    return f"optimizer {k} ({kind})" if len(h.optimizers) > 1 else kind


def by_bucket(h: History, idx: list[int]) -> dict[str, list[str]]:
    out: dict[str, list[str]] = {}
    for i in idx:
        p = h.params[i]
        out.setdefault(p["bucket"], []).append(p["name"])
    return out


def first_streak(flags: list[bool], need: int, final: bool = False) -> int | None:
    """Index of the record completing the first run of `need` consecutive True flags. In a
    final judgement (the run has ended) with fewer records than `need`, all must be True."""
    if final:
        need = min(need, len(flags))
    run = 0
    for i, f in enumerate(flags):
        run = run + 1 if f else 0
        if need and run >= need:
            return i
    return None


DEPARTED_FIX = (
    "Make the optimizer after replacing the module (model.fc = nn.Linear(...) first, then the "
    "optimizer over model.parameters()), or give it the new module's parameters: "
    "opt.add_param_group({'params': model.fc.parameters()})."
)


def _shift_invariant(h: History, pidx: list[int], dead: set[int]) -> bool:
    """Whether these parameters are all biases whose layer's weight is alive: an exactly-zero
    gradient then means the loss ignores a shift of that layer's output, not a cut-off layer."""
    params = h.params
    index = {p.get("name"): i for i, p in enumerate(params)}
    for gi in pidx:
        name = params[gi].get("name", "") if gi < len(params) else ""
        if not name.endswith(".bias"):
            return False
        weight = index.get(name[: -len("bias")] + "weight")
        if weight is None or weight in dead:
            return False
    return bool(pidx)


@rule(
    "TV101",
    "dead-parameters",
    what="Trainable parameters in an optimizer that receive no gradient at all, or a gradient "
    "that is exactly zero at every sampled iteration; among them, parameters the model no longer "
    "holds (a module replaced after the optimizer was made, named as such), and parameters whose "
    "gradient backward() computes and the loop sets to None before the step (a note while it "
    "lasts, as a layer frozen for the first epoch is; a warning when it lasted the whole run).",
    why="They never learn, and nothing fails: the loss still falls because the rest of the model "
    "compensates. In field reports an `attn_pool` had a zero gradient for weeks, and a sub-model "
    "ran under torch.no_grad() and was cut out of the graph.",
    example="""
class Model(nn.Module):
    def forward(self, x):
        h = self.encoder(x)
        w = torch.softmax(self.attn_pool(h), dim=-1)  # softmax over a size-1 dim: w == 1
        return self.head((w * h).sum(1))             # attn_pool's gradient is exactly 0
""",
    fix="Make the module's output reach the loss: it is unused in forward(), computed under "
    "torch.no_grad(), or .detach()ed on the way. An exactly-zero gradient comes from a softmax "
    "or normalisation over a dimension of size 1, a zero-initialised gate, or a saturated "
    "ReLU/clamp. If the module is meant to be frozen, call requires_grad_(False) on it.",
)
def dead_parameters(h: History, r: Rule) -> list[Finding]:
    out: list[Finding] = []
    any_records = False
    for k in range(len(h.optimizers)):
        tally = tallies(h).get(k)
        if tally is None or not tally.records:
            continue
        any_records = True
        lay = h.layout(k)
        frozen = set(h.header.get("frozen_in_optimizer", [])) | tally.frozen
        stats = [tally.params.get(gi) for gi in lay.pidx]
        kinds = _dead_kinds(h, lay.pidx, stats, frozen)
        trainable = [i for i in range(len(lay.pidx)) if lay.pidx[i] not in frozen]
        dead_kinds = ("missing", "zero", "departed") + (("dropped",) if h.end is not None else ())
        all_dead = bool(trainable) and sum(len(kinds[k]) for k in dead_kinds) == len(trainable)
        dead = {lay.pidx[i] for pos in kinds.values() for i in pos}
        for kind, pos in kinds.items():
            for bucket, names in by_bucket(h, [lay.pidx[i] for i in pos]).items():
                idx = [i for i in pos if lay.buckets[i] == bucket]
                group = [stats[i] for i in idx]
                sev, step, msg, fix = _dead_message(h, kind, bucket, names, group, [lay.pidx[i] for i in idx], dead, all_dead)
                out.append(
                    r.finding(
                        sev,
                        msg,
                        evidence={
                            "kind": kind,
                            "optimizer": opt_label(h, k),
                            "parameters": names,
                            "sampled": max(t.seen for t in group),
                            "missing": [t.missing for t in group],
                            "zero": [t.zero for t in group],
                            "dropped": [t.dropped for t in group],
                        },
                        where=[bucket],
                        step=step,
                        fix=fix,
                    )
                )
    if not any_records:
        raise CannotJudge("no sampled iteration with gradients yet")
    return out


def _dead_kinds(h: History, pidx: list[int], stats: list[Any], frozen: set[int]) -> dict[str, list[int]]:
    """Positions of the optimizer's parameters by what is wrong with their gradient: "departed"
    (out of the model), "dropped" (computed by backward, set to None before every step so far),
    "missing" (never computed), "zero" (exactly zero), "intermittent" (none at first, then live)."""
    gone = set(h.header.get("departed", []))
    kinds: dict[str, list[int]] = {"missing": [], "dropped": [], "zero": [], "intermittent": [], "departed": []}
    for i, t in enumerate(stats):
        if pidx[i] in frozen or t is None:
            continue
        # A branch may skip a parameter at the first iteration or two (a gate, a head used every
        # other step): a few sampled iterations first, or the run's end.
        enough = t.seen >= ZERO_EVIDENCE or h.end is not None
        if pidx[i] in gone and t.missing == t.seen:
            kinds["departed"].append(i)  # out of the model: no gradient can come, no need to wait
        elif t.missing == t.seen and enough:
            kinds["dropped" if t.dropped else "missing"].append(i)
        elif t.missing + t.zero == t.seen and t.seen >= ZERO_EVIDENCE:
            kinds["zero"].append(i)
        elif t.early_dead and t.seen > ZERO_EVIDENCE and t.first_live is not None:
            kinds["intermittent"].append(i)
    return kinds


DROPPED_FIX = (
    "If the freeze is meant to end (DINO's freeze_last_layer epochs), check the condition that "
    "ends it. To freeze these parameters for good, call requires_grad_(False) on them: backward "
    "then does not compute a gradient only to have it thrown away."
)


def _dead_message(
    h: History, kind: str, bucket: str, names: list[str], group: list[Any], pidx: list[int], dead: set[int], all_dead: bool
) -> tuple[str, int, str, str | None]:
    """(severity, iteration, message, fix) of one bucket's parameters of one kind."""
    # The iterations of the first records of the parameter seen longest.
    its = max(group, key=lambda t: t.seen).its
    seen = max(t.seen for t in group)
    what = f"{bucket}: {len(names)} parameter(s) ({compact(names)})"
    sev = "error" if all_dead else "warning"
    if kind == "departed":
        return sev, its[0], (
            f"{what} that the optimizer holds are no longer part of the model: the module was replaced "
            "after the optimizer was made, so the optimizer updates weights nothing uses"
        ), DEPARTED_FIX
    if kind == "dropped":
        if h.end is None:
            return "info", its[0], (
                f"{what} get a gradient from backward() that is set to None before every optimizer step "
                f"so far ({seen} sampled): held frozen for a while on purpose, as DINO freezes its head's "
                "last layer for the first epoch? They do not train while it lasts"
            ), DROPPED_FIX
        return sev, its[0], (
            f"{what} had the gradient backward() computed for them set to None before every optimizer "
            f"step of the run ({seen} sampled): they never trained. A freeze meant for the first "
            "iterations that never ended?"
        ), DROPPED_FIX
    if kind == "missing":
        msg = f"{what} received no gradient in any of {seen} sampled iteration(s)"
        if set(pidx) <= set(h.header.get("unowned", [])):
            msg += (
                "; the optimizer holds them but no watched model does (a module replaced "
                "after the optimizer was made, or tensors nothing uses)"
            )
        return sev, its[0], msg, None
    if kind == "zero":
        msg = f"{what} have an exactly-zero gradient in every one of {seen} sampled iterations"
        if _shift_invariant(h, pidx, dead):
            sev = "info"
            msg += (
                ": biases of a layer whose weights learn, so the loss does not change when they "
                "shift its output (a WGAN critic scored by a difference of means, a bias before "
                "a normalisation); fine when that is the design, weights that never train otherwise"
            )
        return sev, its[ZERO_EVIDENCE - 1], msg, None
    live = min(t.first_live for t in group if t.first_live is not None)
    if any(t.dropped for t in group):
        return "info", its[0], (
            f"{what} had the gradient backward() computed for them set to None before the step at "
            f"first, then trained from iteration {live} on (a layer frozen for its first iterations)"
        ), None
    return "info", its[0], (
        f"{what} had no gradient at first, then received one from iteration {live} on (a conditional branch?)"
    ), None


def attenuation(act: list[list[Any]], warn: float) -> tuple[list[str], float, float, list] | None:
    """For activation-gradient norms in forward order: the blocks that attenuate the gradient
    (each more than BLOCK_DROP×), their combined attenuation, and the total from the last to the
    first probe; None when the gradient is not vanishing."""
    names = [a[0] for a in act]
    vals = [a[1] for a in act]
    if len(vals) < 2 or not all(isinstance(v, (int, float)) and math.isfinite(v) for v in vals):
        return None
    last = vals[-1]
    total = last / vals[0] if vals[0] > 0 else math.inf
    if not (last > 0 and (total > ATTENUATION or (last >= warn and min(vals) < warn))):
        return None
    # The gradient at the output of module i comes through module i+1: that block attenuates.
    # The culprit is the run of consecutive blocks with the largest combined attenuation
    # (maximum-sum segment of log drops), so a growth in between ends the run.
    logs = [math.log10(vals[i + 1] / vals[i]) if vals[i] > 0 else 300.0 for i in range(len(vals) - 1)]
    best, best_span, run, start = -math.inf, (0, 0), 0.0, 0
    for i, x in enumerate(logs):
        if run <= 0:
            run, start = x, i
        else:
            run += x
        if run > best:
            best, best_span = run, (start, i)
    lo, hi = best_span
    blocks = [names[i + 1] for i in range(lo, hi + 1) if logs[i] > math.log10(BLOCK_DROP)] or [names[hi + 1]]
    return blocks, 10**best, total, list(zip(names, vals, strict=True))
