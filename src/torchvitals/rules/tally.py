"""What the sampled iterations said about each parameter so far, folded record by record (the
History keeps only the latest records whole): what dead-parameters, unoptimized-parameters,
parameters-not-moving and the below-resolution note read."""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

from torchvitals.record import History, fold
from torchvitals.stats import Derived, Layout

# An exactly-zero gradient must persist this many sampled iterations before it counts as dead:
# LoRA-style zero-initialised factors have a zero gradient only at the first step. The tally
# keeps the iterations of each parameter's first ZERO_EVIDENCE records to say when.
ZERO_EVIDENCE = 3


def _finite(x: Any) -> bool:
    return isinstance(x, (int, float)) and math.isfinite(x)


@dataclass
class ParamTally:
    """What the sampled iterations said about one parameter so far."""

    seen: int = 0  # sampled iterations with gradient statistics
    its: list[int] = field(default_factory=list)  # the first ZERO_EVIDENCE of those iterations
    missing: int = 0  # ... in which it had no gradient
    dropped: int = 0  # ... of those, in which backward() had computed one (set to None before the step)
    zero: int = 0  # ... in which its gradient was exactly zero
    first_live: int | None = None  # first iteration with a non-zero gradient
    early_dead: bool = True  # no live gradient within its first ZERO_EVIDENCE iterations
    moved_with_grad: int = 0  # stepped samples with a gradient in which it changed
    still_with_grad: int = 0  # stepped samples with a gradient in which it did not change
    below_resolution: int = 0  # stepped samples in which it did not change, its gradient negligible


@dataclass
class Tally:
    """Per-optimizer running totals, so rules need not rescan every record (append-only)."""

    records: int = 0  # records with gradients
    params: dict[int, ParamTally] = field(default_factory=dict)  # global index → tally
    frozen: set[int] = field(default_factory=set)
    # Parameters frozen when watched and in no optimizer → first stepped iteration at which
    # they had a non-zero gradient (unfrozen later, never added to the optimizer).
    unfrozen_outside: dict[int, int] = field(default_factory=dict)
    free_with_grad: dict[int, int] = field(default_factory=dict)  # trainable, in no optimizer → first it with a gradient
    # Their weight norms (wf, detailed iterations): the first read (it, value), the latest read's
    # iteration, and the first iteration at which a read differed from the first (changed
    # outside any optimizer: a target network copied from the trained one, an EMA).
    free_w_first: dict[int, tuple[int, float]] = field(default_factory=dict)
    free_w_last: dict[int, int] = field(default_factory=dict)
    free_moved: dict[int, int] = field(default_factory=dict)

    def update(self, rec: dict[str, Any], d: Derived, lay: Layout) -> None:
        if "g" not in rec:
            return
        self.records += 1
        self.frozen.update(rec.get("frozen", []))
        gf = rec.get("gf") or []
        for k, gi in enumerate(lay.free):
            if k < len(gf) and gf[k] is not None and gf[k] != 0:
                self.free_with_grad.setdefault(gi, rec["it"])
        if rec.get("wf"):
            self._free_weights(rec["wf"], lay.free, rec["it"])
        if rec.get("stepped"):
            for k, gi in enumerate(lay.frozen_free):
                v = gf[len(lay.free) + k] if len(lay.free) + k < len(gf) else None
                if _finite(v) and v != 0 and gi not in self.unfrozen_outside:
                    self.unfrozen_outside[gi] = rec["it"]
        g, dw, it = rec["g"], rec.get("d"), rec["it"]
        pidx = lay.pidx[: len(g)]
        tallies = list(map(self.params.get, pidx))
        if not all(tallies):  # parameters seen for the first time
            tallies = [t or self.params.setdefault(gi, ParamTally()) for t, gi in zip(tallies, pidx, strict=True)]
        if not (d.missing or d.zero):  # most records: every parameter has a live gradient
            for t in tallies:
                t.seen += 1
                if t.seen <= ZERO_EVIDENCE:
                    t.its.append(it)
                    t.early_dead = False
                if t.first_live is None:
                    t.first_live = it
        else:
            miss, zer, dropped = set(d.missing), set(d.zero), set(rec.get("gx", ()))
            for i, t in enumerate(tallies):
                t.seen += 1
                if t.seen <= ZERO_EVIDENCE:
                    t.its.append(it)
                if i in miss:
                    t.missing += 1
                    t.dropped += i in dropped
                elif i in zer:
                    t.zero += 1
                else:
                    if t.seen <= ZERO_EVIDENCE:
                        t.early_dead = False
                    if t.first_live is None:
                        t.first_live = it
        if dw is not None and rec.get("stepped"):
            self._moved(tallies, g, dw, set(d.tiny))

    def _free_weights(self, wf: list, free: list[int], it: int) -> None:
        for gi, v in zip(free, wf, strict=False):
            if _finite(v):
                first = self.free_w_first.setdefault(gi, (it, v))
                self.free_w_last[gi] = it
                if v != first[1]:
                    self.free_moved.setdefault(gi, it)

    @staticmethod
    def _moved(tallies: list[ParamTally], g: list, dw: list, tiny: set[int]) -> None:
        """A stepped record with the true update: which parameters with a gradient changed."""
        for i, t in enumerate(tallies):
            if i < len(dw) and dw[i] is not None and _finite(g[i]) and g[i] > 0:
                if i in tiny:
                    t.below_resolution += dw[i] == 0.0
                elif dw[i] == 0.0:
                    t.still_with_grad += 1
                else:
                    t.moved_with_grad += 1


def tallies(h: History) -> dict[int, Tally]:
    """Optimizer → its running totals (only optimizers with step records)."""
    return h.folded("tally")


@fold("tally", dict)
def _fold_tally(state: dict[int, Tally], h: History, rec: dict[str, Any], d: Derived) -> None:
    opt = rec["opt"]
    state.setdefault(opt, Tally()).update(rec, d, h.layout(opt))
