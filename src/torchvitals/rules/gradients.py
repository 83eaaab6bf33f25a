"""Gradient-flow rules, part one: the gradient record (thresholds, folded statistics and the
helpers other rules share) and the parameters that get no gradient (dead, unoptimized).
The gradient norms (vanishing, exploding, non-finite) are judged in gradient_norms.py."""

from __future__ import annotations

import bisect
import math
from collections import deque
from dataclasses import dataclass, field
from typing import Any

from torchvitals.config import option
from torchvitals.findings import Finding
from torchvitals.names import compact, is_bare_tensor
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
    "holds (a module replaced after the optimizer was made, named as such).",
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
        n = len(lay.pidx)
        stats = [tally.params.get(gi) for gi in lay.pidx]
        missing = [t.missing if t else 0 for t in stats]
        zero = [t.zero if t else 0 for t in stats]
        seen = [t.seen if t else 0 for t in stats]
        first_live = [t.first_live if t else None for t in stats]
        gone, unowned = set(h.header.get("departed", [])), set(h.header.get("unowned", []))
        kinds: dict[str, list[int]] = {"missing": [], "zero": [], "intermittent": [], "departed": []}
        for i in range(n):
            t = stats[i]
            if lay.pidx[i] in frozen or t is None:
                continue
            if lay.pidx[i] in gone and t.missing == t.seen:
                kinds["departed"].append(i)  # out of the model: no gradient can come, no need to wait
            elif t.missing == t.seen and (t.seen >= ZERO_EVIDENCE or h.end is not None):
                # A branch may skip a parameter at the first iteration or two (a gate, a head used
                # every other step): a few sampled iterations first, or the run's end.
                kinds["missing"].append(i)
            elif t.missing + t.zero == t.seen and t.seen >= ZERO_EVIDENCE:
                kinds["zero"].append(i)
            elif t.early_dead and t.seen > ZERO_EVIDENCE and t.first_live is not None:
                kinds["intermittent"].append(i)
        trainable = [i for i in range(n) if lay.pidx[i] not in frozen]
        all_dead = trainable and sum(len(kinds[k]) for k in ("missing", "zero", "departed")) == len(trainable)
        dead = {lay.pidx[i] for pos in kinds.values() for i in pos}
        for kind, pos in kinds.items():
            for bucket, names in by_bucket(h, [lay.pidx[i] for i in pos]).items():
                idx = [i for i in pos if lay.buckets[i] == bucket]
                # The iterations of the first records of the parameter seen longest.
                its = stats[max(idx, key=lambda i: seen[i])].its  # type: ignore[union-attr]
                fix = None
                if kind == "departed":
                    sev, step, fix = ("error" if all_dead else "warning"), its[0], DEPARTED_FIX
                    msg = (
                        f"{bucket}: {len(names)} parameter(s) ({compact(names)}) that the optimizer holds are no "
                        "longer part of the model: the module was replaced after the optimizer was made, so "
                        "the optimizer updates weights nothing uses"
                    )
                elif kind == "missing":
                    sev, step = ("error" if all_dead else "warning"), its[0]
                    msg = (
                        f"{bucket}: {len(names)} parameter(s) ({compact(names)}) received no gradient "
                        f"in any of {max(seen[i] for i in idx)} sampled iteration(s)"
                    )
                    if all(lay.pidx[i] in unowned for i in idx):
                        msg += (
                            "; the optimizer holds them but no watched model does (a module replaced "
                            "after the optimizer was made, or tensors nothing uses)"
                        )
                elif kind == "zero":
                    sev, step = ("error" if all_dead else "warning"), its[ZERO_EVIDENCE - 1]
                    msg = (
                        f"{bucket}: {len(names)} parameter(s) ({compact(names)}) have an exactly-zero "
                        f"gradient in every one of {max(seen[i] for i in idx)} sampled iterations"
                    )
                    if _shift_invariant(h, [lay.pidx[i] for i in idx], dead):
                        sev = "info"
                        msg += (
                            ": biases of a layer whose weights learn, so the loss does not change when they "
                            "shift its output (a WGAN critic scored by a difference of means, a bias before "
                            "a normalisation); fine when that is the design, weights that never train otherwise"
                        )
                else:
                    sev, step = "info", its[0]
                    live = min(first_live[i] for i in idx if first_live[i] is not None)
                    msg = (
                        f"{bucket}: {len(names)} parameter(s) ({compact(names)}) had no gradient at "
                        f"first, then received one from iteration {live} on (a conditional branch?)"
                    )
                out.append(
                    r.finding(
                        sev,
                        msg,
                        evidence={
                            "kind": kind,
                            "optimizer": opt_label(h, k),
                            "parameters": names,
                            "sampled": max(seen[i] for i in idx),
                            "missing": [missing[i] for i in idx],
                            "zero": [zero[i] for i in idx],
                        },
                        where=[bucket],
                        step=step,
                        fix=fix,
                    )
                )
    if not any_records:
        raise CannotJudge("no sampled iteration with gradients yet")
    return out


# Parameters in no optimizer and without gradient are judged frozen once their values were read
# unchanged this many iterations apart (or when the run ends): a target network copied from the
# trained one every few steps, or an EMA, changes within that span.
STILL_SPAN = 100


def _without_gradient(h: History, t: Any, ids: list[int]) -> tuple[str, str, int | None] | None:
    """(severity, what follows "are in no optimizer", iteration) for trainable parameters that
    are in no optimizer and receive no gradient: updated outside any optimizer when their
    values change, frozen by accident when they kept them; None while that is not known."""
    moved = [t.free_moved[p] for p in ids if t is not None and p in t.free_moved]
    if moved:
        return ("info", "they receive no gradient, yet their values change (first seen at iteration "
                f"{min(moved)}): something outside the optimizer updates them, as a target network is copied from "
                "the trained one or an EMA averages it; requires_grad_(False) would say so and spare autograd "
                "their bookkeeping", min(moved))
    reads = [(t.free_w_first[p][0], t.free_w_last[p]) for p in ids if t is not None and p in t.free_w_first]
    first, last = (min(a for a, _ in reads), max(b for _, b in reads)) if reads else (None, None)
    if (last is None or last - first < STILL_SPAN) and h.end is None:
        return None
    kept = f" and kept their values from iteration {first} to {last}" if last is not None and last > first else ""
    return "warning", f"they receive no gradient either{kept}, so they are effectively frozen by accident", last


def _inputs_optimized(h: History) -> bool:
    """Whether every tensor the optimizers hold belongs to no module (bare tensors)."""
    held = [i for o in h.optimizers for g in o.get("groups", []) for i in g.get("params", [])]
    return bool(held) and all(
        h.params[i].get("bare") or is_bare_tensor(h.params[i].get("name", "")) for i in held if i < len(h.params)
    )


@rule(
    "TV102",
    "unoptimized-parameters",
    what="Trainable parameters (requires_grad=True) that belong to no watched optimizer, and "
    "parameters frozen when watching began that later receive gradients at optimizer steps "
    "without being in any optimizer (unfrozen, never added); also, at info level, parameters an "
    "optimizer holds although they are frozen, and trainable parameters in no optimizer and "
    "without gradient whose values change all the same (a target network, an EMA copy).",
    why="Their gradients are computed at every step and thrown away: compute is spent and the "
    "weights stay at their initial values. A classic when the optimizer is built from "
    "`model.head.parameters()` or before a module is added.",
    example="""
model = Net()                     # encoder + head
opt = torch.optim.Adam(model.head.parameters(), lr=1e-3)   # encoder never updated

model.backbone.requires_grad_(False)                        # fine-tune: head first
opt = torch.optim.Adam([p for p in model.parameters() if p.requires_grad])
...
model.backbone.requires_grad_(True)                         # epoch 3: unfreeze, but opt
                                                            # still holds the head alone
""",
    fix="Build the optimizer from model.parameters() (or add a param group for the missing "
    "parameters). If they are meant to stay fixed, freeze them with requires_grad_(False) so no "
    "gradient is computed for them. When unfreezing, add the parameters to the optimizer too: "
    "opt.add_param_group({'params': model.backbone.parameters(), 'lr': ...}).",
)
def unoptimized_parameters(h: History, r: Rule) -> list[Finding]:
    out: list[Finding] = []
    run = grad_runs(h).get(0) if h.optimizers else None
    if run is None and h.end is None:
        raise CannotJudge("no optimizer step or zero_grad seen yet")
    step = run.first_it if run is not None else None
    free = list(h.header.get("free", []))
    dropped = {h.params[i]["name"] for i in h.header.get("departed", [])}
    if free:
        t0 = tallies(h).get(0)
        seen = t0.free_with_grad if t0 is not None else {}
        for bucket, names in by_bucket(h, free).items():
            ids = [p for p in free if h.params[p]["bucket"] == bucket]
            numel = sum(h.params[p]["numel"] for p in ids)
            head = f"{bucket}: {len(names)} trainable parameter(s) ({compact(names)}, {numel:,} values) are in no optimizer"
            evidence = {"parameters": names, "numel": numel, "with_gradient": sum(p in seen for p in ids), "share": _share(h, numel)}
            if evidence["with_gradient"]:
                severity, tail, at = "warning", "they receive gradients that are never applied", min(seen[p] for p in ids if p in seen)
                if _inputs_optimized(h):
                    severity = "info"
                    tail += (
                        ": the optimizers hold no module's parameters, only tensors of their own (an image "
                        "or a code optimized through a fixed network, as in style transfer); "
                        "requires_grad_(False) on the network saves computing them"
                    )
            else:
                judged = _without_gradient(h, t0, ids)
                if judged is None:
                    continue  # their values not yet read far enough apart to tell frozen from copied
                severity, tail, at = judged
                if severity == "info":
                    evidence["changed_at"] = at
            old = [n for n in names if n in dropped]
            if old:  # named like parameters the model dropped: the module that replaced them
                tail += f"; they replaced {compact(old)} after the optimizer was made, which still holds the old ones"
            out.append(
                r.finding(severity, f"{head}; {tail}", evidence=evidence, where=[bucket],
                          step=at if at is not None else step, fix=DEPARTED_FIX if old else None)
            )
    tally = tallies(h).get(0)
    woke = tally.unfrozen_outside if tally is not None else {}
    for bucket, names in by_bucket(h, sorted(woke)).items():
        idx = [i for i in woke if h.params[i]["bucket"] == bucket]
        numel = sum(h.params[i]["numel"] for i in idx)
        out.append(
            r.finding(
                "warning",
                f"{bucket}: {len(names)} parameter(s) ({compact(names)}, {numel:,} values) were frozen when "
                f"watching began and now have gradients at optimizer steps (first seen at iteration "
                f"{min(woke[i] for i in idx)}), but are in no optimizer: unfrozen without being added to it, "
                "they never change",
                evidence={"parameters": names, "numel": numel, "since": min(woke[i] for i in idx), "share": _share(h, numel)},
                where=[bucket],
                step=min(woke[i] for i in idx),
            )
        )
    frozen = list(h.header.get("frozen_in_optimizer", []))
    if frozen:
        names = [h.params[i]["name"] for i in frozen]
        numel = sum(h.params[i]["numel"] for i in frozen)
        frozen_set = set(frozen)
        # Optimizers that hold nothing else train nothing: those the freeze explains.
        idle = [opt_label(h, k) for k in range(len(h.optimizers)) if set(h.layout(k).pidx) <= frozen_set]
        tail = f"; {' and '.join(idle)} {'hold' if len(idle) > 1 else 'holds'} nothing else, so trains nothing" if idle else ""
        out.append(
            r.finding(
                "info",
                f"{len(names)} parameter(s) ({compact(names)}) are in an optimizer but frozen "
                f"(requires_grad=False); they will not move{tail}",
                evidence={"parameters": names, "numel": numel, "share": _share(h, numel), "frozen": True,
                          "idle_optimizers": idle},
                where=sorted(by_bucket(h, frozen)),
                step=step,
                fix=("An optimizer that holds only frozen parameters updates nothing: build it from the parameters "
                     "that train, after adding them to the model (adapters, a new head), or add them with "
                     "opt.add_param_group({'params': [...]}); if the freeze is not deliberate, call requires_grad_(True)."
                     if idle else "Nothing to do if the freeze is deliberate; otherwise call requires_grad_(True)."),
            )
        )
    return out


def _share(h: History, numel: int) -> float:
    """The part of the model's values `numel` is (rules/causes.py reads it)."""
    total = sum(p.get("numel", 0) for p in h.params)
    return round(numel / total, 4) if total else 0.0


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
