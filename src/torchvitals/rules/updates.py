"""Update rules, judged on the true update ratio ‖Δw‖/‖w‖ measured across the optimizer step.

The healthy band: Karpathy's rule of thumb (CS231n, "Neural Networks Part 3") puts the ratio
near 1e-3 per step; Adam-trained transformers sit around 1e-4..1e-2 (|Δw| ≈ lr per element and
‖w‖/√n ≈ 0.02..0.1 at init). The thresholds below sit two to three decades outside that band,
so a finding means "this learning rate cannot be right", not "could be tuned".
"""

from __future__ import annotations

import math
from collections import deque
from dataclasses import dataclass, field
from typing import Any

from torchvitals.findings import Finding
from torchvitals.names import compact
from torchvitals.record import History, fold
from torchvitals.rules.base import CannotJudge, Rule, rule
from torchvitals.rules.gradients import by_bucket, opt_label
from torchvitals.rules.tally import tallies
from torchvitals.stats import NEGLIGIBLE_GRAD, Derived, Streak

# Median update ratio over weight matrices below which an lr "moves nothing" (1e-3 healthy).
LR_SMALL = 1e-6
# Above this median ratio every step rewrites a third of each weight matrix.
LR_LARGE = 0.3
# Stepped sampled iterations needed before judging the learning rate.
LR_EVIDENCE = 5
# A ratio below LR_SMALL at the end of a run, after healthy ones, for at least this many sampled
# steps covering at least this share of the run's iterations: the lr decayed to nothing mid-run.
# A cosine schedule to zero spends well under 1% of its steps that low.
DECAYED_MIN = 2
DECAYED_SHARE = 1 / 3
# ... or one such sampled step when the lr itself fell this many times from its first value.
DECAYED_LR_DROP = 1e4
# Consecutive stepped samples with too-large ratios (Adam's first step is always large).
LARGE_STREAK = 3
# ... or one step, the first included, whose median ratio is above this: every weight matrix
# replaced by something several times its own size (Adam's first step at lr=1 on a BERT whose
# weights are ~0.02: 49×; Adam's first step at a healthy lr is lr/rms(w), ~0.05).
LR_HUGE = 3.0
# Consecutive stepped samples in which nothing moved (LambdaLR warm-up may start at lr=0).
STILL_STREAK = 3


@dataclass
class StepRun:
    """One optimizer's stepped records with a true update, folded one by one: what the update
    rules read (History keeps only the latest records whole)."""

    n: int = 0
    last_it: int = 0
    first_its: list[int] = field(default_factory=list)  # iterations of the first STILL_STREAK
    lr_first: list | None = None  # the first record's learning rates
    lr_last: list | None = None  # the latest record's
    still: Streak = field(default_factory=lambda: Streak(STILL_STREAK))  # payload (iteration, lr)
    none: int = 0  # steps with no gradient at all
    zero: int = 0  # steps with every gradient exactly zero
    # lr-too-small: the running best ratio, the first record that judged it too small
    ratios: int = 0  # records with a usable ratio
    best: float = 0.0
    lr0_recent: deque = field(default_factory=lambda: deque(maxlen=3))  # first group's lr, latest 3
    small: tuple[float, int, list | None, int] | None = None  # (best, records, lr, iteration)
    # ... and the latest ratios below LR_SMALL, after which ones
    tail: int = 0
    tail_it: int | None = None
    tail_max: float = 0.0
    before_max: float | None = None  # the largest ratio before the tail
    # lr-too-large: the records after the first
    large: Streak = field(default_factory=lambda: Streak(LARGE_STREAK))  # payload (ratio, lr, iteration, ‖Δw‖/‖w‖)
    large_ratios: int = 0
    huge: tuple[float, Any, int, float] | None = None  # the first step above LR_HUGE: (ratio, lr, iteration, ‖Δw‖/‖w‖)


@fold("updates", dict)
def _fold_updates(state: dict[int, StepRun], h: History, rec: dict[str, Any], d: Derived) -> None:
    if not (rec.get("stepped") and "d" in rec):
        return
    run = state.setdefault(rec["opt"], StepRun())
    it, lr = rec["it"], rec.get("lr", [])
    run.n += 1
    run.last_it = it
    if len(run.first_its) < STILL_STREAK:
        run.first_its.append(it)
    if run.n == 1:
        run.lr_first = lr
    run.lr_last = lr
    run.none += d.empty == "none"
    run.zero += d.empty == "zero"
    run.still.add(d.moved is False or d.empty is not None, (it, lr))
    x = d.tr[0] if d.tr and math.isfinite(d.tr[0]) else None
    # lr-too-small: the first record, from the LR_EVIDENCE-th on, with every ratio so far below
    # LR_SMALL and the learning rate not rising over the latest three records
    run.lr0_recent.append((lr or [None])[0])
    if x is not None:
        run.ratios += 1
        run.best = max(run.best, x)
        if run.small is None and run.n >= LR_EVIDENCE and 0.0 < run.best < LR_SMALL:
            lr_now = list(run.lr0_recent)
            warming = any(a is not None and b is not None and b > a for a, b in zip(lr_now, lr_now[1:], strict=False))
            if not warming:
                run.small = (run.best, run.n, rec.get("lr"), it)
    # the tail of ratios below LR_SMALL (a record without one ends it)
    if x is not None and x < LR_SMALL:
        if run.tail == 0:
            run.tail_it, run.tail_max = it, x
        run.tail += 1
        run.tail_max = max(run.tail_max, x)
    else:
        if run.tail:
            run.before_max = max(run.tail_max, run.before_max if run.before_max is not None else run.tail_max)
        if x is not None:
            run.before_max = max(x, run.before_max if run.before_max is not None else x)
        run.tail = 0
    # lr-too-large judges the part of the update that does not grow the weights along themselves
    # (a layer that must scale up from a small initialisation, Forward-Forward's, is not rewritten)
    xr = d.rw[0] if x is not None and d.rw and math.isfinite(d.rw[0]) else x
    if xr is not None and xr > LR_HUGE and run.huge is None:
        run.huge = (xr, rec.get("lr"), it, x)
    if run.n > 1:  # lr-too-large leaves the first step out (Adam's is always large)
        run.large_ratios += x is not None
        run.large.add(xr is not None and xr > LR_LARGE, (xr, rec.get("lr"), it, x))


def step_runs(h: History) -> dict[int, StepRun]:
    return h.folded("updates")


@rule(
    "TV206",
    "parameters-not-moving",
    what="Optimizer steps that change no parameter at all, or have nothing to apply (no gradient, "
    f"or every gradient exactly zero), for {STILL_STREAK} sampled steps in a row; or parameters "
    "with a non-zero gradient that never change while the rest do. A parameter whose gradient is "
    f"negligible (under {NEGLIGIBLE_GRAD:g} of the model's median ‖g‖/‖w‖) and whose step lr·‖g‖ is "
    "below its floating-point resolution is no evidence either way: it gets an info (a bias "
    "feeding a BatchNorm, which cancels its gradient).",
    why="The run spends its compute and nothing learns: lr=0 (a scheduler lambda returning 0, a "
    "warm-up that never leaves 0), every parameter frozen, gradients cleared or zeroed between "
    "backward() and step() (clip_grad_norm_ with max_norm=0 scales them by 0), or a gradient "
    "masked inside the optimizer. 'The same val loss to 6 decimals' is this symptom.",
    example="""
opt = torch.optim.SGD(model.parameters(), lr=0.0)
sched = LambdaLR(opt, lambda step: 0.0 if step < 10_000 else 1.0)
torch.nn.utils.clip_grad_norm_(model.parameters(), max_norm=0.0)   # "0 = no clipping"? no: all zero
""",
    fix="Check the learning rate each parameter group actually has at step time "
    "(optimizer.param_groups[i]['lr']), the scheduler's lambda, and requires_grad on the "
    "parameters you expect to train; keep zero_grad() → backward() → step() in that order, and "
    "skip clip_grad_norm_ when the configured max_norm is 0 instead of passing 0.",
)
def parameters_not_moving(h: History, r: Rule) -> list[Finding]:
    out: list[Finding] = []
    abandoned = _abandoned(h, r)
    out += abandoned
    runs = step_runs(h)
    if not any(runs.get(k) for k in range(len(h.optimizers))):
        raise CannotJudge("no sampled optimizer step yet")
    for k in range(len(h.optimizers)):
        run = runs.get(k)
        if run is None:
            continue
        if any(f.where == [opt_label(h, k)] for f in abandoned):
            continue
        # A step that changed nothing although gradients were there, or a step that had nothing
        # to apply: no gradient at all ("none": zero_grad() between backward() and step()), or
        # every gradient exactly zero ("zero": clip_grad_norm_ with max_norm=0).
        hit = run.still.first(final=h.end is not None)
        if hit is not None:
            hit_it, lrs = hit[1]
            lrs = lrs or []
            none, zero, still = run.none, run.zero, run.still.hits
            fix = None
            if (none + zero) * 2 < still:
                at_lr = f" (lr={', '.join(f'{x:g}' for x in lrs if x is not None)})" if lrs else ""
                why = f"changed no parameter although gradients were non-zero{at_lr}"
                if any(x for x in lrs if isinstance(x, (int, float))):
                    fix = _rounded_away_fix(h, "the learning rate is not zero")
            elif none >= zero:
                why = "were taken with no gradient at all: zero_grad() between backward() and step(), or step() before backward()?"
            else:
                why = (
                    "were taken with every gradient exactly zero, so no parameter changed: something zeroes the "
                    "gradients after backward() (clip_grad_norm_ with max_norm=0, a gradient multiplied by 0)"
                )
            out.append(
                r.finding(
                    "error",
                    f"{opt_label(h, k)}: {still} of {run.n} sampled steps {why}",
                    evidence={"still": still, "sampled": run.n, "lr": lrs},
                    where=[opt_label(h, k)],
                    step=hit_it,
                    fix=fix,
                )
            )
            continue
        if run.n < STILL_STREAK:
            continue
        lay = h.layout(k)
        tally = tallies(h).get(k)
        stuck = [
            i
            for i, gi in enumerate(lay.pidx)
            if tally is not None
            and (t := tally.params.get(gi)) is not None
            and t.still_with_grad >= STILL_STREAK
            and t.moved_with_grad == 0
        ]
        out += _below_resolution(h, r, k, run)
        if stuck:
            ends = (run.lr_first, run.lr_last)
            lr_zero = all(
                lr and lay.group[i] < len(lr) and lr[lay.group[i]] == 0 for lr in ends for i in stuck
            )
            for bucket, names in by_bucket(h, [lay.pidx[i] for i in stuck]).items():
                out.append(
                    r.finding(
                        "warning",
                        f"{bucket}: {len(names)} parameter(s) ({compact(names)}) have gradients but never "
                        "change" + ("; their param group has lr=0 (1e-3 // 10 is 0.0)" if lr_zero else ""),
                        evidence={"parameters": names, "lr_zero": lr_zero},
                        where=[bucket],
                        step=run.first_its[STILL_STREAK - 1],
                        fix="Check that group's learning rate; if freezing by lr=0 is deliberate, use "
                        "requires_grad_(False) instead: it says so and saves the backward compute."
                        if lr_zero
                        else None,
                    )
                )
    return out


def _abandoned(h: History, r: Rule) -> list[Finding]:
    """Optimizers still stepping although no backward pass has reached their parameters since
    some step: every step from there on had nothing to apply (from the step counters, so unsampled
    steps count too)."""
    out = []
    firsts = h.folded("first-empty-step")
    for k in range(len(h.optimizers)):
        c = h.counters(k)
        first = firsts.get(k)
        if first is None:
            continue
        fc = first["counters"]
        since = c.get("steps", 0) - fc.get("steps", 0) + 1  # steps from the first empty one on
        if c.get("backward", 0) != fc.get("backward", 0) or since < STILL_STREAK:
            continue  # a backward pass reached them again: an unused branch, not an abandoned optimizer
        out.append(
            r.finding(
                "error",
                f"{opt_label(h, k)}: its last {since} of {c.get('steps', 0)} steps (from iteration {first['it']} on) came "
                "with no backward pass reaching its parameters: they had nothing to apply, while training went on "
                "elsewhere",
                evidence={"steps_without_backward": since, "steps": c.get("steps", 0), "since": first["it"]},
                where=[opt_label(h, k)],
                step=first["it"],
                fix="The model being trained is not the one this optimizer holds: a model re-created or loaded as a "
                "new object (model = Net(); model.load_state_dict(...)) after the optimizer was built keeps its "
                "own parameters out of it. Load the weights into the existing model, or build the optimizer "
                "again over the new model's parameters.",
            )
        )
    return out


@fold("first-empty-step", dict)
def _fold_first_empty(state: dict[int, dict], h: History, rec: dict[str, Any], d: Derived) -> None:
    """Optimizer → its first record whose counters have a step no backward pass reached."""
    if rec["opt"] not in state and rec.get("counters", {}).get("steps_no_backward", 0) >= 1:
        state[rec["opt"]] = {"it": rec["it"], "counters": dict(rec["counters"])}


def _below_resolution(h: History, r: Rule, k: int, run: StepRun) -> list[Finding]:
    """Info: parameters that never changed because their gradient is negligible and each step
    is below their floating-point resolution (a bias feeding a normalisation)."""
    lay, tally = h.layout(k), tallies(h).get(k)
    if tally is None:
        return []
    pos = [
        i
        for i, gi in enumerate(lay.pidx)
        if (t := tally.params.get(gi)) is not None
        and t.below_resolution >= STILL_STREAK
        and t.moved_with_grad == 0
        and t.still_with_grad == 0
    ]
    out = []
    for bucket, names in by_bucket(h, [lay.pidx[i] for i in pos]).items():
        out.append(
            r.finding(
                "info",
                f"{bucket}: {len(names)} parameter(s) ({compact(names)}) never change: their gradient, relative "
                f"to their size, is under {NEGLIGIBLE_GRAD:g} of the model's median, so each step is below "
                "their floating-point resolution. Typical of a bias right before a BatchNorm or LayerNorm, "
                "which cancels it; training is not affected",
                evidence={"parameters": names},
                where=[bucket],
                step=run.first_its[STILL_STREAK - 1],
                fix="Build that layer with bias=False: the normalisation's own shift does its job.",
            )
        )
    return out


@rule(
    "TV204",
    "lr-too-small",
    what=f"A median true update ratio ‖Δw‖/‖w‖ over weight matrices that never exceeds "
    f"{LR_SMALL:g} in the first {LR_EVIDENCE}+ sampled steps (healthy: ~1e-3), while the "
    "learning rate is not warming up; or one that falls below it mid-run and stays there for the "
    f"last {DECAYED_SHARE:.0%} or more of the run (a learning rate decayed to nothing).",
    why="Steps a million times smaller than the weights leave the model where it started; the "
    "loss crawls and the run looks merely 'slow'. In one field report, update ratios of 2e-7 came with a "
    "model worse than repeating the last value.",
    example="""
opt = torch.optim.SGD(model.parameters(), lr=1e-7)
""",
    fix="Raise the learning rate by the factor the evidence shows (aim for ratios near 1e-3), or "
    "run an LR range test. Check that a scheduler did not multiply it down by mistake.",
)
def lr_too_small(h: History, r: Rule) -> list[Finding]:
    out: list[Finding] = []
    judged = False
    runs = step_runs(h)
    for k in range(len(h.optimizers)):
        run = runs.get(k)
        if run is None or run.ratios < LR_EVIDENCE:
            continue
        judged = True
        if run.small is not None:
            best, n, lr, it = run.small
            out.append(
                r.finding(
                    "warning",
                    f"{opt_label(h, k)}: median update ratio ‖Δw‖/‖w‖ at most {best:.1e} over {n} sampled "
                    f"steps (healthy ≈ 1e-3) at lr={(lr or ['?'])[0]}: the weights barely move",
                    evidence={"max_ratio": best, "threshold": LR_SMALL, "lr": lr, "sampled": n},
                    where=[opt_label(h, k)],
                    step=it,
                )
            )
        else:
            out += _decayed(h, r, k, run)
    if not judged:
        raise CannotJudge(f"fewer than {LR_EVIDENCE} sampled optimizer steps")
    return out


def _decayed(h: History, r: Rule, k: int, run: StepRun) -> list[Finding]:
    """At the end of a run: the update ratio fell below LR_SMALL after being healthy and stayed
    there for the last DECAYED_SHARE of the iterations (a schedule stepped every batch)."""
    if h.end is None:
        return []
    tail = run.tail
    lr0, lr1 = (run.lr_first or [None])[0], (run.lr_last or [None])[0]
    # One sampled step suffices when the learning rate itself says so.
    fell = isinstance(lr0, (int, float)) and isinstance(lr1, (int, float)) and lr1 * DECAYED_LR_DROP < lr0
    if tail < (1 if fell else DECAYED_MIN) or run.before_max is None or run.before_max < LR_SMALL:
        return []
    first = {"it": run.tail_it}
    total = max(h.counters(k).get("cycles", 0), run.last_it)
    if total - first["it"] < DECAYED_SHARE * total:
        return []
    known = isinstance(lr0, (int, float)) and isinstance(lr1, (int, float))
    lrs = "" if not known else f" while the learning rate went from {lr0:g} to {lr1:g}" if fell else f" while the learning rate stayed at {lr1:g}"
    return [
        r.finding(
            "warning",
            f"{opt_label(h, k)}: the median update ratio ‖Δw‖/‖w‖ fell below {LR_SMALL:g} by iteration {first['it']} "
            f"and stayed there to the end ({tail} sampled step{'s' if tail > 1 else ''}, iterations {first['it']}–{total} of {total}){lrs}: "
            "the weights stopped moving for the rest of the run",
            evidence={"from": first["it"], "iterations": total, "sampled": tail, "lr": [lr0, lr1]},
            where=[opt_label(h, k)],
            step=first["it"],
            fix=_stalled_fix(h, fell or not known or lr1 == 0),  # at 0: whatever it started at, the schedule took it there
        )
    ]


# Weights kept in these dtypes lose every update smaller than their resolution (bfloat16: 1/256
# of the weight; float16: 1/2048) unless the optimizer keeps a float32 copy.
_LOW_PRECISION = {"bfloat16", "float16"}


def _stalled_fix(h: History, lr_fell: bool) -> str:
    """What to do about updates that stopped reaching the weights: a schedule when the learning
    rate fell with them; else the weights' precision, or where the gradients went."""
    if lr_fell:
        return ("The learning rate decayed to nothing: a schedule meant per epoch stepped every batch (or twice a step), or "
                "computed from the iteration count instead of the epoch. Step it where it is meant to be "
                "stepped, or check its decay factor and floor (eta_min, min_lr).")
    return _rounded_away_fix(h, "the learning rate did not fall") or (
        "The learning rate did not fall: the steps stopped reaching the weights. Look at the gradient "
        "findings (vanishing gradients, a part frozen or detached) and raise the learning rate if the "
        "gradients are healthy.")


def _rounded_away_fix(h: History, lr_fact: str) -> str | None:
    """With weights in a 16-bit float: steps too small for them are rounded away (None otherwise)."""
    low = sorted({str(p.get("dtype")) for p in h.params} & _LOW_PRECISION)
    if not low:
        return None
    return (f"{lr_fact[0].upper()}{lr_fact[1:]}, and the weights are {' and '.join(low)}: an update smaller "
            "than a weight's resolution (1/256 of it in bfloat16) is rounded away, so steps at this learning "
            "rate do not change them. Keep the weights in float32 and compute in autocast (mixed precision), "
            "or raise the learning rate.")


def _many_updates(h: History, k: int) -> bool:
    """Whether one step() of optimizer k is a whole optimization: L-BFGS runs up to max_iter
    updates with a line search in one step, which may move weights far on a healthy run."""
    return k < len(h.optimizers) and h.optimizers[k].get("type") == "LBFGS"


def _growth_left_out(ratio: float, whole: float | None) -> str:
    """What the ratio leaves out, when growth along the weights made a visible part of ‖Δw‖."""
    if whole is None or not ratio < 0.9 * whole:
        return ""
    return f", {whole:.2g} with the growth of the weights along themselves, which is left out"


@rule(
    "TV205",
    "lr-too-large",
    what=f"A median true update ratio ‖Δw‖/‖w‖ over weight matrices above {LR_LARGE:g} for "
    f"{LARGE_STREAK} sampled steps in a row, not counting the first step (healthy: ~1e-3); or above "
    f"{LR_HUGE:g} at any one sampled step, the first included (not for L-BFGS, whose step is a whole "
    "optimization). The part of an update that grows a matrix along its own direction is left out: "
    "a layer scaled up from a small initialisation keeps what it holds.",
    why="Each step rewrites a large part of every weight matrix: training is noise, the loss "
    "jumps or diverges, and whatever the model learned is overwritten at the next step.",
    example="""
opt = torch.optim.Adam(model.parameters(), lr=1.0)
""",
    fix="Lower the learning rate by the factor the evidence shows (aim for ratios near 1e-3), add "
    "warm-up, and clip gradients.",
)
def lr_too_large(h: History, r: Rule) -> list[Finding]:
    out: list[Finding] = []
    judged = False
    runs = step_runs(h)
    for k in range(len(h.optimizers)):
        run = runs.get(k)
        if run is None or not (run.large_ratios or run.huge):
            continue
        judged = True
        hit = run.large.first()
        if run.huge is not None and (hit is None or run.huge[2] < hit[1][2]) and not _many_updates(h, k):
            ratio, lr, it, whole = run.huge
            out.append(
                r.finding(
                    "warning",
                    f"{opt_label(h, k)}: one step changed the weight matrices by {ratio:.3g}× their own norm "
                    f"(median update ratio ‖Δw‖/‖w‖{_growth_left_out(ratio, whole)}; healthy ≈ 1e-3) at "
                    f"lr={(lr or ['?'])[0]}: what the model was is gone, replaced by the update",
                    evidence={"ratio": ratio, "threshold": LR_HUGE, "lr": lr, "hits": 1},
                    where=[opt_label(h, k)],
                    step=it,
                )
            )
            continue
        if hit is None:
            continue
        ratio, lr, it, whole = hit[1]
        out.append(
            r.finding(
                "warning",
                f"{opt_label(h, k)}: median update ratio ‖Δw‖/‖w‖ {ratio:.2g}{_growth_left_out(ratio, whole)} "
                f"(healthy ≈ 1e-3) at lr={(lr or ['?'])[0]}; {run.large.hits} of {run.large.n} sampled steps above {LR_LARGE:g}",
                evidence={"ratio": ratio, "threshold": LR_LARGE, "lr": lr, "hits": run.large.hits},
                where=[opt_label(h, k)],
                step=it,
            )
        )
    if not judged:
        raise CannotJudge("no sampled optimizer step after the first")
    return out
