"""Optimizer-step rules: skipped steps, uncleared gradients, scheduler mismatch, eval mode."""

from __future__ import annotations

import bisect
from dataclasses import dataclass, field
from typing import Any

from torchvitals.config import option
from torchvitals.findings import Finding
from torchvitals.record import History, fold
from torchvitals.rules.base import CannotJudge, Rule, rule
from torchvitals.rules.gradients import opt_label
from torchvitals.stats import Derived

# Skips needed before skipped-steps fires, and the share of iterations they must reach.
# One or two early skips are what a GradScaler does while it calibrates its scale.
SKIP_MIN = 2
SKIP_SHARE = 0.5
# Below this share of skipped iterations, with steps flowing since, the skips were transient.
SKIP_TRANSIENT = 0.1
# Scheduler steps with no optimizer step in between before it counts (PyTorch itself warns
# once when the very first scheduler.step() precedes optimizer.step()).
ORPHAN_MIN = 3
# Steps in eval() mode before training-in-eval-mode fires, and the share that keeps it a warning.
EVAL_MIN = 2
EVAL_SHARE = 0.1


# A counter's first iterations are kept for the values up to this (the rules ask for 1..3).
_REACH = 3


@dataclass
class CounterRun:
    """One optimizer's step records, folded one by one: at which iteration each counter first
    reached 1, 2 and 3 (in any record, and in stepped ones), and the first records that the
    step rules look for (History keeps only the latest records whole)."""

    n: int = 0
    stepped: int = 0
    reach: dict[str, list[int]] = field(default_factory=dict)  # counter → iteration it reached 1, 2, 3
    reach_stepped: dict[str, list[int]] = field(default_factory=dict)
    full: set[str] = field(default_factory=set)  # counters whose `reach` holds all _REACH
    full_stepped: set[str] = field(default_factory=set)  # ... whose `reach_stepped` does
    too_many_skips: int | None = None  # first iteration at which skips were too many
    never_stepped: int | None = None  # first iteration with max_accum backward passes and no step
    gated: list[int] = field(default_factory=list)  # iterations of gated-skip events, sorted
    seen_events: int = 0  # events of History.events read into `gated`

    def first(self, counter: str, at_least: int = 1, stepped: bool = False) -> int | None:
        its = (self.reach_stepped if stepped else self.reach).get(counter, [])
        return its[at_least - 1] if 0 < at_least <= len(its) else None


def _reach(table: dict[str, list[int]], full: set[str], cc: dict[str, Any], it: int) -> None:
    """The iterations at which each counter first reached 1, 2, ... _REACH. Every record runs
    this: only counters that are non-zero and not yet in `full` are looked at (found without a
    bytecode per counter)."""
    for key in filter(cc.get, cc.keys() - full):
        v = cc[key]
        if not isinstance(v, (int, float)):
            continue
        its = table.get(key)
        if its is None:
            its = table[key] = []
        while len(its) < _REACH and v >= len(its) + 1:
            its.append(it)
        if len(its) >= _REACH:
            full.add(key)


@fold("counters", dict)
def _fold_counters(state: dict[int, CounterRun], h: History, rec: dict[str, Any], d: Derived) -> None:
    k = rec["opt"]
    run = state.setdefault(k, CounterRun())
    it, cc = rec["it"], rec.get("counters", {})
    run.n += 1
    _reach(run.reach, run.full, cc, it)
    if rec.get("stepped"):
        run.stepped += 1
        _reach(run.reach_stepped, run.full_stepped, cc, it)
    for e in h.events[run.seen_events :]:
        if e.get("kind") == "gated-skip" and e.get("opt", 0) == k and isinstance(e.get("it"), int):
            bisect.insort(run.gated, e["it"])
    run.seen_events = len(h.events)
    if run.too_many_skips is None and cc.get("skipped", 0) >= SKIP_MIN:
        upto = bisect.bisect_right(run.gated, it)
        if _too_many_skips(cc, run.gated[:upto], it):
            run.too_many_skips = it
    max_accum = option(h, "max_accum")
    if run.never_stepped is None and cc.get("backward", 0) >= max_accum and cc.get("steps", 0) == 0:
        run.never_stepped = it


def _each_counter_run(h: History, reason: str) -> list[tuple[int, CounterRun]]:
    runs = h.folded("counters")
    out = [(k, runs[k]) for k in range(len(h.optimizers)) if k in runs]
    if not out:
        raise CannotJudge(reason)
    return out


def _unannounced(cc: dict, gated: list[int], upto: int | None = None) -> int:
    """Skips nobody announced: all skips minus GradScaler and step_gate skips up to `upto`."""
    known = max(cc.get("scaler_skips", 0), sum(1 for it in gated if upto is None or it <= upto))
    return cc.get("skipped", 0) - known


def _too_many_skips(cc: dict, gated: list[int], upto: int) -> bool:
    s = _unannounced(cc, gated, upto)
    return s >= SKIP_MIN and s / max(cc.get("cycles", 1), 1) >= SKIP_SHARE


@rule(
    "TV201",
    "skipped-steps",
    what="Iterations whose gradients were thrown away by zero_grad() without an optimizer step, "
    "or many backward passes with no step at all; GradScaler skips when they dominate. Gradients "
    "that another optimizer's step applied (a GAN critic's loss reaching a generator trained every "
    "n-th batch) are that optimizer's, not skipped steps of this one, once this one steps at all.",
    why="A gate around optimizer.step() that is too strict skips updates silently: parameters "
    "stay fixed, losses look flat, and every gradient probe says all is fine. One team's gate "
    "`g_back > 0 and g_head > 0` skipped every step for weeks.",
    example="""
g_back, g_head = grad_norm(backbone), grad_norm(head)
if g_back > 0 and g_head > 0:      # one branch without gradient → never steps
    opt.step()
opt.zero_grad()
""",
    fix="Step unless the total gradient norm is non-finite or zero, and count and log every "
    "skip. If you accumulate gradients over more than max_accum micro-batches, raise "
    "TORCHVITALS_MAX_ACCUM.",
)
def skipped_steps(h: History, r: Rule) -> list[Finding]:
    out: list[Finding] = []
    max_accum = option(h, "max_accum")
    for k, recs in _each_counter_run(h, "no iteration ended yet (no optimizer step, no zero_grad)"):
        c = h.counters(k)
        # Skips that something announced: GradScaler inf/NaN skips, torchvitals.guards.step_gate
        # skips (a gated skip with a scaler is counted by both: take the larger).
        gated = [e["it"] for e in h.events if e.get("kind") == "gated-skip" and e.get("opt", 0) == k]

        user_skips = _unannounced(c, gated)
        cycles = max(c.get("cycles", 0), 1)
        announced = c.get("skipped", 0) - user_skips
        first = recs.too_many_skips
        if first is not None and user_skips > 0:  # none left: skips taken back (probes/steps.py)
            share = user_skips / cycles
            transient = share < SKIP_TRANSIENT and c.get("steps", 0) > 0
            out.append(
                r.finding(
                    "info" if transient else ("error" if c.get("steps", 0) == 0 else "warning"),
                    f"{opt_label(h, k)}: {user_skips} of {cycles} iterations were skipped: zero_grad() "
                    f"threw their gradients away with no optimizer.step() in between "
                    f"({c.get('steps', 0)} steps taken"
                    + (f"; {announced} more skips were announced by a GradScaler or step_gate" if announced > 0 else "")
                    + ")"
                    + ("; the skips stopped early (GradScaler calibrating?)" if transient else ""),
                    evidence={k2: c.get(k2, 0) for k2 in ("skipped", "steps", "cycles", "backward", "scaler_skips")},
                    where=[opt_label(h, k)],
                    step=first,
                )
            )
        elif c.get("steps", 0) == 0 and c.get("discards", 0) == 0 and c.get("backward", 0) >= max_accum:
            first = recs.never_stepped
            out.append(
                r.finding(
                    "error",
                    f"{opt_label(h, k)}: {c.get('backward', 0)} backward passes and not one "
                    + ("change of the parameters" if h.optimizers[k].get("type") == "ManualUpdates" else "optimizer step"),
                    evidence={k2: c.get(k2, 0) for k2 in ("backward", "steps", "zero_grads")},
                    where=[opt_label(h, k)],
                    step=first,
                )
            )
        steps, sk = c.get("steps", 0), c.get("scaler_skips", 0)
        if sk and steps + sk >= 10 and sk / (steps + sk) >= SKIP_SHARE:
            out.append(
                r.finding(
                    "warning",
                    f"{opt_label(h, k)}: the GradScaler skipped {sk} of {steps + sk} steps for inf/NaN gradients",
                    evidence={"scaler_skips": sk, "steps": steps},
                    where=[opt_label(h, k)],
                    step=recs.first("scaler_skips"),
                    fix="The gradients overflow at every scale: find the op that produces inf "
                    "(fp16 overflow in attention logits or a loss), use bf16, or compute it in fp32.",
                )
            )
    return out


@rule(
    "TV202",
    "grads-not-cleared",
    what="A backward pass right after an optimizer step that adds onto the gradients the step "
    "already used: nobody called zero_grad() (or set .grad to None) in between.",
    why="Gradients then sum over all past iterations: every step moves further along a stale "
    "direction, the effective learning rate grows with time, and training diverges or stalls.",
    example="""
for x, y in loader:
    loss = F.mse_loss(model(x), y)
    loss.backward()
    opt.step()                      # no opt.zero_grad() anywhere
""",
    fix="Call optimizer.zero_grad() once per iteration (before backward, or after step). For "
    "gradient accumulation, zero after each optimizer step, not never.",
)
def grads_not_cleared(h: History, r: Rule) -> list[Finding]:
    out: list[Finding] = []
    for k, recs in _each_counter_run(h, "no iteration ended yet"):
        c = h.counters(k)
        n = c.get("uncleared", 0)
        if n >= 1:
            out.append(
                r.finding(
                    "warning",
                    f"{opt_label(h, k)}: {n} of {c.get('steps', 0)} optimizer steps used gradients summed onto "
                    "those the previous step had already applied (no zero_grad() in between)",
                    evidence={"uncleared": n, "steps": c.get("steps", 0), "zero_grads": c.get("zero_grads", 0)},
                    where=[opt_label(h, k)],
                    step=recs.first("uncleared"),
                )
            )
    return out


@rule(
    "TV203",
    "scheduler-step-mismatch",
    what="An LR scheduler stepped with no optimizer step since its previous step (passed with "
    "scheduler=...): stepped while optimizer steps are skipped, or before the first one.",
    why="The schedule runs ahead of the training it schedules: warm-up ends before any update "
    "happened, or decay reaches its floor while the optimizer skips (gate the "
    "scheduler on real steps for this reason).",
    example="""
for x, y in loader:
    loss.backward()
    if ok: opt.step()
    sched.step()                    # runs even when the step was skipped
""",
    fix="Step the scheduler only after an optimizer step that really happened (with a "
    "GradScaler, only when scaler.step did not skip), and after optimizer.step(), not before.",
)
def scheduler_step_mismatch(h: History, r: Rule) -> list[Finding]:
    out: list[Finding] = []
    judged = False
    for k in range(len(h.optimizers)):
        recs = h.folded("counters").get(k)
        if recs is None:
            continue
        c = h.counters(k)
        if not c.get("sched_steps"):
            continue
        judged = True
        orphans, steps, sched = c.get("sched_orphans", 0), c.get("steps", 0), c.get("sched_steps", 0)
        if orphans >= ORPHAN_MIN or (orphans >= 1 and steps == 0 and sched >= ORPHAN_MIN):
            out.append(
                r.finding(
                    "warning",
                    f"{opt_label(h, k)}: the scheduler stepped {orphans} time(s) with no optimizer step in "
                    f"between ({c.get('sched_steps', 0)} scheduler steps, {c.get('steps', 0)} optimizer steps)",
                    evidence={"orphans": orphans, "sched_steps": c.get("sched_steps", 0), "steps": c.get("steps", 0)},
                    where=[opt_label(h, k)],
                    step=recs.first("sched_orphans", min(ORPHAN_MIN, orphans)),
                )
            )
        elif orphans >= 1 and steps > 0:
            # Once, before the first optimizer step: the order scheduler.step(); opt.step() in
            # every iteration. PyTorch warns; the schedule runs one step ahead, nothing worse.
            out.append(
                r.finding(
                    "info",
                    f"{opt_label(h, k)}: the scheduler stepped before the first optimizer step: the schedule runs "
                    "one step ahead of the training (PyTorch skips its first value)",
                    evidence={"orphans": orphans, "sched_steps": sched, "steps": steps},
                    where=[opt_label(h, k)],
                    step=recs.first("sched_orphans"),
                    fix="Call scheduler.step() after optimizer.step().",
                )
            )
    if not judged:
        raise CannotJudge("no scheduler step seen (pass scheduler= to watch() to account it)")
    return out


@rule(
    "TV207",
    "training-in-eval-mode",
    what="Optimizer steps taken while the model is in eval() mode although it has dropout or "
    "batch-norm layers, whose behaviour eval() changes.",
    why="Dropout is off and batch norm uses frozen running statistics: the model trains without "
    "regularisation and its normalisation never adapts. The usual cause is model.eval() for "
    "validation without model.train() before the next epoch.",
    example="""
for epoch in range(10):
    train_one_epoch(model)
    model.eval(); validate(model)   # model.train() never called again
""",
    fix="Call model.train() at the start of every training epoch (and model.eval() only around "
    "validation).",
)
def training_in_eval_mode(h: History, r: Rule) -> list[Finding]:
    out: list[Finding] = []
    mode_modules = h.header.get("mode_modules", [])
    judged = False
    for k in range(len(h.optimizers)):
        recs = h.folded("counters").get(k)
        if recs is None or not recs.stepped:
            continue
        judged = True
        if not mode_modules:
            continue
        c = h.counters(k)
        n, steps = c.get("eval_steps", 0), max(c.get("steps", 0), 1)
        first = recs.first("eval_steps", EVAL_MIN, stepped=True)
        if n >= EVAL_MIN and first is not None:
            out.append(
                r.finding(
                    "warning" if n / steps >= EVAL_SHARE else "info",
                    f"{n} of {steps} optimizer steps were taken with the model in eval() mode; "
                    f"{len(mode_modules)} dropout/batch-norm layer(s) ({', '.join(mode_modules[:4])}) "
                    "behave differently there",
                    evidence={"eval_steps": n, "steps": steps, "modules": mode_modules[:20]},
                    where=mode_modules[:4],
                    step=first,
                )
            )
    if not judged:
        raise CannotJudge("no optimizer step yet")
    return out


@rule(
    "TV606",
    "validation-in-train-mode",
    what="Forward passes of the watched model without gradient (torch.no_grad() or "
    "torch.inference_mode()) while it is in train() mode and has dropout or batch-norm layers: "
    "an evaluation pass (two or more such forwards with no training forward between) run "
    "without model.eval().",
    why="no_grad() only stops gradients; it does not switch layers to inference behaviour. "
    "Dropout keeps dropping units, so validation metrics come out noisy and too pessimistic, and "
    "batch norm normalises with the validation batch and updates its running statistics with "
    "validation data, which changes the model the next epoch trains and the checkpoint you save.",
    example="""
for epoch in range(10):
    model.train()
    train_one_epoch(model)
    with torch.no_grad():          # no model.eval(): dropout on, BatchNorm statistics updated
        val_loss = sum(loss_fn(model(x), y) for x, y in val_loader)
""",
    fix="Call model.eval() before validation and model.train() after it (torch.no_grad() is "
    "still worth keeping: it saves memory). Monte-Carlo dropout on purpose: put the model in "
    "eval() and switch only the dropout layers back with m.train().",
)
def validation_in_train_mode(h: History, r: Rule) -> list[Finding]:
    mode_modules = h.header.get("mode_modules", [])
    for k, recs in _each_counter_run(h, "no iteration ended yet"):
        c = h.counters(k)
        passes, forwards = c.get("nograd_train_passes", 0), c.get("nograd_train_fwd", 0)
        if not forwards or not mode_modules:
            continue
        layers = f"{len(mode_modules)} dropout/batch-norm layer(s) ({', '.join(mode_modules[:4])})"
        evidence = {"passes": passes, "forwards": forwards, "modules": mode_modules[:20]}
        if passes >= 1:
            return [
                r.finding(
                    "warning",
                    f"{passes} evaluation pass(es), {forwards} forward(s) under torch.no_grad()/inference_mode, ran "
                    f"with the model in train() mode: its {layers} acted as in training (dropout on, batch-norm "
                    "statistics updated from that data)",
                    evidence=evidence,
                    where=mode_modules[:4],
                    step=recs.first("nograd_train_passes"),
                )
            ]
        # Inside training iterations (one at a time, or on the batch then trained on): a
        # teacher's targets or pseudo-labels from the model itself. Worth knowing, not a fault by itself.
        return [
            r.finding(
                "info",
                f"{forwards} forward(s) under torch.no_grad() ran inside training iterations with "
                f"the model in train() mode: its {layers} were active (targets, pseudo-labels or samples computed "
                "that way come out noisy, and batch-norm statistics are updated from them)",
                evidence=evidence,
                where=mode_modules[:4],
                step=recs.first("nograd_train_fwd"),
                fix="If these forwards compute targets, pseudo-labels or samples to look at, run them in eval() mode "
                "(model.eval(); …; model.train()) unless the noise is intended.",
            )
        ]
    return []
