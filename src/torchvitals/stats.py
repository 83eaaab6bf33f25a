"""Statistics derived from one step record. Rules and sinks both read these, so that what the
console prints and what a rule judges are the same numbers, live and offline."""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from functools import cached_property
from itertools import repeat
from operator import itemgetter, mul, truediv
from typing import Any


def percentile(values: list[float], q: float) -> float:
    """Index-based percentile of seed 001's GD[med,p90,max] (no interpolation)."""
    return _at(sorted(values), q) if values else float("nan")


def median(values: list[float], presorted: bool = False) -> float:
    if presorted and values:
        return _at(values, 0.5)
    return percentile(values, 0.5)


def _at(s: list[float], q: float) -> float:
    """percentile() of an already sorted, non-empty list."""
    return s[min(len(s) - 1, int(q * (len(s) - 1) + 0.5))]


# Relative resolution (machine epsilon) of the floating-point types parameters come in: a step
# smaller than about eps·|w| leaves a weight exactly where it was.
EPS = {"float64": 2.0**-52, "float32": 2.0**-23, "float16": 2.0**-10, "bfloat16": 2.0**-7}
# A gradient this many times smaller, relative to its weight (‖g‖/‖w‖), than the model's median
# is negligible: a bias feeding a normalisation, which cancels it, gets ~1e-7 of its
# neighbours'. Such a parameter not changing says nothing about the optimizer.
NEGLIGIBLE_GRAD = 1e-3
# A parameter whose norm was below this per element when first seen started at zero (a bias, a
# LoRA factor, a zero-initialised gate): its update has no scale to be compared with, so it
# stays out of the update ratios while others can be used.
ZERO_START = 1e-6
# ... and its ratio counts (when nothing else does) from this optimizer step on.
ZERO_START_STEPS = 10


@dataclass
class Layout:
    """Per-optimizer view of the header: positions → global parameter index, bucket, group."""

    pidx: list[int]
    group: list[int]
    buckets: list[str]
    ndim: list[int]
    names: list[str]
    eps: list[float] = field(default_factory=list)  # the dtype's relative resolution
    numel: list[int] = field(default_factory=list)
    free: list[int] = field(default_factory=list)  # trainable, in no optimizer (record's gf first)
    frozen_free: list[int] = field(default_factory=list)  # frozen when watched, in no optimizer (gf next)

    @classmethod
    def of(cls, header: dict[str, Any], opt: int) -> Layout:
        params = header.get("params", [])
        opts = header.get("optimizers", [])
        spec = opts[opt] if opt < len(opts) else {"groups": []}
        pidx, group = [], []
        for j, g in enumerate(spec.get("groups", [])):
            for i in g.get("params", []):
                pidx.append(i)
                group.append(j)
        return cls(
            pidx=pidx,
            group=group,
            buckets=[params[i]["bucket"] for i in pidx],
            ndim=[params[i]["ndim"] for i in pidx],
            names=[params[i]["name"] for i in pidx],
            eps=[EPS.get(str(params[i].get("dtype")), EPS["float32"]) for i in pidx],
            numel=[params[i].get("numel", 1) for i in pidx],
            free=list(header.get("free", [])) if opt == 0 else [],
            frozen_free=list(header.get("frozen_free", [])) if opt == 0 else [],
        )

    @cached_property
    def pidx_set(self) -> frozenset[int]:
        return frozenset(self.pidx)

    @cached_property
    def pickers(self) -> list[tuple[str, Any]]:
        """Per bucket, in the order of its first position: a function that takes a per-position
        list and returns the bucket's entries, in position order, as a tuple."""
        at: dict[str, list[int]] = {}
        for i, b in enumerate(self.buckets):
            at.setdefault(b, []).append(i)
        return [(b, itemgetter(*pos) if len(pos) > 1 else _one(pos[0])) for b, pos in at.items()]

    @cached_property
    def group_of(self) -> Any:
        """A function that takes the per-group learning rates and returns them per position."""
        return itemgetter(*self.group) if len(self.group) > 1 else _one(self.group[0]) if self.group else (lambda s: ())


def _one(i: int) -> Any:
    return lambda s: (s[i],)


@dataclass
class Derived:
    """Numbers of one sampled iteration of one optimizer."""

    total: float  # global gradient L2 norm (finite gradients only)
    buckets: dict[str, float]  # bucket → gradient L2 norm (buckets with any gradient)
    gd: tuple[float, float, float]  # per-parameter grad norm median, p90, max
    ur: tuple[float, float]  # seed 001's estimated update ratio lr·‖g‖/‖w‖: median, max (the epoch line's UR)
    tr: tuple[float, float] | None  # true ‖Δw‖/‖w‖ over weight matrices: median, max
    moved: bool | None  # did any parameter with a resolvable update (see `tiny`) change at all
    nonfinite: list[int]  # positions with a non-finite gradient
    missing: list[int]  # positions without a gradient
    zero: list[int]  # positions with an exactly-zero gradient
    # Positions whose gradient is negligible and whose step lr·‖g‖ is below the parameter's
    # floating-point resolution: that they did not change is no evidence (see NEGLIGIBLE_GRAD).
    tiny: list[int] = field(default_factory=list)
    # Why the step had nothing to apply: "none" (no parameter had a gradient), "zero" (every
    # gradient exactly zero and nothing moved), or None (see rules/updates.py).
    empty: str | None = None
    # Per position: the estimated update ratio lr·‖g‖/max(‖w‖, 1e-8) (the epoch line's G/U), None
    # without a finite gradient or a weight norm. Not the true ratio ‖Δw‖/‖w‖ (`tr`).
    lr_gw: list[float | None] = field(default_factory=list)
    # The L2 norm of the change of every measured parameter across the step ([STEP]'s ΔW), on
    # iterations with the true update; None otherwise.
    dw_total: float | None = None
    # Per bucket: the estimated update ratio sqrt(Σ (lr·‖g‖)²) / sqrt(Σ ‖w‖²) over its parameters
    # with a finite gradient and weight norm, and, on iterations with the true update, the true
    # one, sqrt(Σ ‖Δw‖²) / sqrt(Σ ‖w‖²). What the sinks plot per bucket.
    bucket_ur: dict[str, float] = field(default_factory=dict)
    bucket_tr: dict[str, float] = field(default_factory=dict)
    # Over the same parameters as `tr`: the part of ‖Δw‖ that does not grow a weight matrix along
    # itself, over ‖w‖ (median, max; see `rewrite_ratio`); other parameters, and every one in a
    # record without the norms after the step (`wa`), count their whole ‖Δw‖/‖w‖.
    rw: tuple[float, float] | None = None


def _finite(x: Any) -> bool:
    return isinstance(x, (int, float)) and math.isfinite(x)


def derive(rec: dict[str, Any], lay: Layout, w0: list[float | None] | None = None) -> Derived:
    """The statistics of one step record; `w0` holds each parameter's weight norm when first
    seen (parameters that started at zero stay out of the update ratios). One pass over the
    parameters (with every=1 this runs each iteration); a record with a finite gradient and
    weight norm for every parameter and finite learning rates (a healthy step) takes
    `_derive_healthy`, which gives the same numbers from a few calls into C."""
    g = rec.get("g") or []
    w = rec.get("w") or []
    d = rec.get("d")
    lrs = rec.get("lr") or []
    if _all_finite(g, w, lrs, lay):
        healthy, wsq = _derive_healthy(g, w, lrs, lay)
        if d is None:
            return healthy
        return _with_update(healthy, g, w, d, lrs, lay, w0, rec.get("sparse"), list(range(len(g))), wsq, _steps(rec), rec.get("wa"))
    return _derive(g, w, d, lrs, lay, w0, rec.get("sparse"), _steps(rec), rec.get("wa"))


def _steps(rec: dict[str, Any]) -> int | None:
    """The optimizer steps taken up to this record (with its own), when the record says."""
    counters = rec.get("counters")
    steps = counters.get("steps") if isinstance(counters, dict) else None
    return steps if isinstance(steps, int) else None


def _all_finite(g: list, w: list, lrs: list, lay: Layout) -> bool:
    """Whether every position has a finite gradient and a finite positive weight norm, and
    every group a finite learning rate (the lists as long as the layout's)."""
    n = len(lay.pidx)
    if not n or len(g) != n or len(w) != n or len(lrs) <= max(lay.group) or None in g or None in w or None in lrs:
        return False
    try:  # a sum of floats is finite only when each is (inf and nan stay; overflow is caught)
        return math.isfinite(sum(g)) and math.isfinite(sum(w)) and math.isfinite(sum(lrs)) and min(w) > 0
    except TypeError:  # not numbers: the general path says what it makes of them
        return False


def _derive_healthy(g: list[float], w: list[float], lrs: list[float], lay: Layout) -> tuple[Derived, dict[str, float]]:
    """`_derive`, less the true update's statistics, for a record whose gradients, weight norms
    and learning rates are all finite (and weight norms positive): the same arithmetic, in the
    same order, on whole lists. Also returns Σ ‖w‖² per bucket (the true update's ratios use it)."""
    lr_pos = lay.group_of(lrs)
    steps = list(map(mul, lr_pos, g))  # lr·‖g‖ per position
    lr_gw = list(map(truediv, steps, map(max, w, repeat(1e-8))))
    urs = list(map(truediv, steps, w))
    s = sorted(g)
    buckets, step_sq, wsq = {}, {}, {}
    for b, pick in lay.pickers:
        buckets[b] = math.hypot(*pick(g))
        st, ws = pick(steps), pick(w)
        step_sq[b] = sum(map(mul, st, st))
        wsq[b] = sum(map(mul, ws, ws))
    zero = [i for i, x in enumerate(g) if x == 0.0] if 0.0 in g else []
    return Derived(
        total=math.hypot(*g),
        buckets=buckets,
        gd=(_at(s, 0.5), _at(s, 0.9), s[-1]),
        ur=(median(urs), max(urs)),
        tr=None,
        moved=None,
        nonfinite=[],
        missing=[],
        zero=zero,
        lr_gw=lr_gw,
        bucket_ur=_ratio(step_sq, wsq),
    ), wsq


def _derive(
    g: list, w: list, d: list | None, lrs: list, lay: Layout, w0: list[float | None] | None, sparse: list | None,
    steps: int | None = None, wa: list | None = None,
) -> Derived:
    """derive() for any record: one loop over the positions that checks each value."""
    n = min(len(g), len(lay.pidx))
    nw = len(w)
    lr_fin = [lr if _finite(lr) else None for lr in lrs]  # per group: its learning rate if finite
    group, buckets = lay.group, lay.buckets
    missing: list[int] = []
    nonfinite: list[int] = []
    zero: list[int] = []
    finite: list[int] = []
    gvals: list[float] = []
    urs: list[float] = []
    lr_gw: list[float | None] = [None] * n  # lr·‖g‖/max(‖w‖, 1e-8); a group without lr counts 0
    per_bucket: dict[str, list[float]] = {}
    step_sq: dict[str, float] = {}  # per bucket: Σ (lr·‖g‖)²
    for i in range(n):
        x = g[i]
        if x is None:
            missing.append(i)
            continue
        if not _finite(x):
            nonfinite.append(i)
            continue
        if x == 0.0:
            zero.append(i)
        finite.append(i)
        gvals.append(x)
        b = buckets[i]
        per_bucket.setdefault(b, []).append(x)
        j = group[i]
        lr = lr_fin[j] if j < len(lr_fin) else None
        step = (lr or 0.0) * x
        step_sq[b] = step_sq.get(b, 0.0) + step * step
        wi = w[i] if i < nw else None
        if wi is not None:
            lr_gw[i] = (lrs[j] if j < len(lrs) else 0.0) * x / max(wi, 1e-8)
            if lr is not None and _finite(wi) and wi > 0:
                urs.append(lr * x / wi)
    # hypot, not sqrt(sum of squares): a norm of 1e200 squares past the float range (** raises
    # OverflowError there); hypot scales first and gives inf only when the norm itself is.
    total = math.hypot(*gvals)
    gd = (median(gvals), percentile(gvals, 0.9), max(gvals)) if gvals else (math.nan,) * 3
    ur = (median(urs), max(urs)) if urs else (math.nan, math.nan)
    dv = Derived(
        total=total,
        buckets={b: math.hypot(*v) for b, v in per_bucket.items()},
        gd=gd,
        ur=ur,
        tr=None,
        moved=None,
        nonfinite=nonfinite,
        missing=missing,
        zero=zero,
        empty=_nothing_to_apply(g, None, missing, zero),
        lr_gw=lr_gw,
        bucket_ur=_ratio(step_sq, wsq := _bucket_weights(w, lay, n)),
    )
    if d is not None:  # only steps with the true update need to know (detailed iterations)
        _with_update(dv, g, w, d, lrs, lay, w0, sparse, finite, wsq, steps, wa)
    return dv


def _with_update(
    dv: Derived, g: list, w: list, d: list, lrs: list, lay: Layout, w0: list[float | None] | None,
    sparse: list | None, finite: list[int], wsq: dict[str, float], steps: int | None = None, wa: list | None = None,
) -> Derived:
    """Add to `dv` the statistics of the true update `d` (detailed iterations) and of the
    weight norms after it, `wa`; `finite`: the positions with a finite gradient, `wsq`: Σ ‖w‖²
    per bucket, `steps`: the optimizer's steps."""
    n = min(len(g), len(lay.pidx))
    dv.tiny = _tiny(g, w, lrs, lay, finite)
    pos = _ratio_positions(d, w, lay, n, w0, set(sparse or []), steps)
    dv.tr = _median_max([d[i] / w[i] for i in pos])
    # Only a matrix has a direction to keep: a scalar or a bias grown from near zero is rewritten.
    after = [x if i < len(lay.ndim) and lay.ndim[i] >= 2 else None for i, x in enumerate(wa)] if isinstance(wa, list) else []
    dv.rw = _median_max([rewrite_ratio(d[i], w[i], after[i] if i < len(after) else None) for i in pos])
    tiny_set = set(dv.tiny)
    with_grad = [i for i in finite if g[i] > 0 and i < len(d) and d[i] is not None and i not in tiny_set]
    dv.moved = any(_finite(d[i]) and d[i] > 0 for i in with_grad) if with_grad else None
    dv.dw_total = math.sqrt(sum(x * x for x in d if x is not None and math.isfinite(x)))
    dsq: dict[str, float] = {}
    for i in range(min(n, len(d))):
        if _finite(d[i]):
            dsq[lay.buckets[i]] = dsq.get(lay.buckets[i], 0.0) + d[i] * d[i]
    dv.bucket_tr = _ratio(dsq, wsq)
    dv.empty = _nothing_to_apply(g, d, dv.missing, dv.zero)
    return dv


def _bucket_weights(w: list, lay: Layout, n: int) -> dict[str, float]:
    """Per bucket, Σ ‖w‖² over its parameters with a finite weight norm."""
    wsq: dict[str, float] = {}
    for i in range(min(n, len(w))):
        if _finite(w[i]):
            wsq[lay.buckets[i]] = wsq.get(lay.buckets[i], 0.0) + w[i] * w[i]
    return wsq


def _ratio(ssq: dict[str, float], wsq: dict[str, float]) -> dict[str, float]:
    """Per bucket, sqrt(Σ step²) / sqrt(Σ ‖w‖²); buckets whose weights are all zero are left out."""
    return {b: math.sqrt(v / wsq[b]) for b, v in ssq.items() if wsq.get(b, 0.0) > 0}


def _tiny(g: list, w: list, lrs: list, lay: Layout, finite: list[int]) -> list[int]:
    """Positions with a negligible gradient whose step is below their float resolution."""
    rel = {i: g[i] / w[i] for i in finite if i < len(w) and _finite(w[i]) and w[i] > 0}
    if not rel:
        return []
    med = median(list(rel.values()))
    out = []
    for i, r in rel.items():
        j = lay.group[i]
        lr = lrs[j] if j < len(lrs) and _finite(lrs[j]) else None
        if lr and 0 < r < NEGLIGIBLE_GRAD * med and lr * g[i] < lay.eps[i] * w[i]:
            out.append(i)
    return out


def _median_max(values: list[float]) -> tuple[float, float] | None:
    return (median(values), max(values)) if values else None


def rewrite_ratio(d: float, w: float, wa: float | None) -> float:
    """The part of an update ‖Δw‖ = `d` that does not grow the matrix along itself, over its
    norm before the step `w`, from its norm after it `wa`: ‖Δw‖/‖w‖ less the component of Δw
    along w when that component is positive (w·Δw = (‖w+Δw‖² − ‖w‖² − ‖Δw‖²)/2). An update that
    scales a matrix up keeps what it holds; one that turns it or shrinks it does not. Without
    `wa` (or with values that are not finite), ‖Δw‖/‖w‖ itself. The norms come rounded to six
    digits: the split is exact enough where it matters, for updates of a sizeable share of ‖w‖."""
    if wa is None or not _finite(wa):
        return d / w
    along = (wa * wa - w * w - d * d) / (2 * w)
    return math.sqrt(max(d * d - max(along, 0.0) ** 2, 0.0)) / w


def _ratio_positions(
    d: list, w: list, lay: Layout, n: int, w0: list[float | None] | None, sparse: set[int], steps: int | None = None
) -> list[int]:
    """The positions whose ‖Δw‖/‖w‖ make the true update ratio: weight matrices (every
    parameter in a model without any), leaving out parameters that started at zero while others remain. When none remain,
    those count from the optimizer's ZERO_START_STEPS-th step on: until then their norm is at most
    the sum of the few steps that made it, so the ratio is about 1/steps or more whatever the
    learning rate (SAC's log_alpha, a scalar from 0 under its own Adam: 1, 0.5, 0.33, ...).
    Parameters with a sparse gradient (nn.Embedding(sparse=True)) never count: a step rewrites
    only the rows the batch touched, so their ratio says nothing about the learning rate of a
    dense step."""

    def ok(i: int) -> bool:
        return i < len(w) and i not in sparse and _finite(d[i]) and _finite(w[i]) and w[i] > 0

    def started_at_zero(i: int) -> bool:
        first = w0[i] if w0 is not None and i < len(w0) else None
        return first is not None and first <= ZERO_START * math.sqrt(max(lay.numel[i], 1))

    usable = [i for i in range(min(len(d), n)) if ok(i)]
    settled = steps is None or steps >= ZERO_START_STEPS
    for pick in (
        lambda i: lay.ndim[i] >= 2 and not started_at_zero(i),
        lambda i: lay.ndim[i] >= 2 and settled,
        lambda i: not started_at_zero(i),
        lambda i: settled,
    ):
        pos = [i for i in usable if pick(i)]
        if pos:
            return pos
    return []


def _nothing_to_apply(g: list, d: list | None, missing: list[int], zero: list[int]) -> str | None:
    if not g:
        return None
    if len(missing) == len(g):
        return "none"
    moved = [x for x in d or [] if x is not None]
    if len(missing) + len(zero) == len(g) and moved and all(x == 0 for x in moved):
        return "zero"
    return None


@dataclass
class Streak:
    """`first_streak` over flags that come one record at a time, in constant memory: the
    number of records and of flagged ones, and what the record completing the first run of
    `need` flagged records in a row carried (`payload`)."""

    need: int
    n: int = 0  # records
    hits: int = 0  # flagged records
    run: int = 0  # flagged records in a row, up to the latest
    at: int | None = None  # index of the record completing the first run of `need`
    payload: Any = None  # ... what it carried
    last: Any = None  # what the latest record carried
    last_hit: int = -1  # index of the latest flagged record

    def add(self, flag: bool, payload: Any = None) -> None:
        if flag:
            self.hits += 1
            self.run += 1
            self.last_hit = self.n
        else:
            self.run = 0
        self.n += 1
        self.last = payload
        if self.at is None and self.need and self.run >= self.need:
            self.at, self.payload = self.n - 1, payload

    @property
    def recent_hit(self) -> bool:
        """Whether any of the latest `need` records (the latest one, for need <= 1) was flagged."""
        return self.last_hit >= 0 and self.n - 1 - self.last_hit < max(self.need, 1)

    def first(self, final: bool = False) -> tuple[int, Any] | None:
        """(index, payload) of the record completing the first run; in a final judgement with
        fewer records than `need`, the last record when all are flagged."""
        if self.at is not None:
            return self.at, self.payload
        if final and 0 < self.n < self.need and self.hits == self.n:
            return self.n - 1, self.last
        return None
