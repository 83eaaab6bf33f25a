"""What the HTML report shows, prepared from a run directory alone: the diagnosis (the same rules
`torchvitals diagnose` runs) and the series the charts draw, in one pass over run.jsonl.

This module does every computation the report needs (series, bins, sums, which heatmap cells
are dead or vanishing); report/html.py and report/svg.py only lay the numbers out.
"""

from __future__ import annotations

import math
import os
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from torchvitals.config import option
from torchvitals.diagnose import diagnose_history
from torchvitals.findings import Diagnosis, Finding
from torchvitals.record import (
    FINDINGS_FILE,
    History,
    RunFileError,
    rank_files,
    read_run,
    resolve_run_file,
)
from torchvitals.rules import get as rule_page
from torchvitals.rules.gradients import opt_label
from torchvitals.rules.updates import LR_LARGE, LR_SMALL

# A heatmap wider than this many columns is unreadable in a page: sampled iterations are binned.
MAX_COLUMNS = 240
# Points per line chart; a longer series keeps every k-th point (and the last).
MAX_POINTS = 800
# Counters of the step accounting, in the order shown, with what each means.
COUNTERS = (
    ("steps", "optimizer steps taken"),
    ("backward", "backward passes seen"),
    ("skipped", "iterations whose gradients zero_grad() threw away without a step"),
    ("uncleared", "steps that used gradients summed onto already-applied ones"),
    ("sched_steps", "learning-rate scheduler steps"),
    ("sched_orphans", "scheduler steps with no optimizer step since the last one"),
    ("scaler_skips", "steps the GradScaler skipped (inf/NaN gradients)"),
)
# Epoch metrics drawn against their trivial baselines: (title, metric, [(baseline, label)]).
EPOCH_CHARTS = (
    ("loss", "loss", [("base_loss", "class prior")]),
    ("RMSE", "rmse", [("base_rmse", "mean predictor"), ("persist_rmse", "persistence")]),
    ("accuracy", "acc", [("base_acc", "majority class")]),
)
SNAPSHOT_PARTS = (("data_ms", "data fetch"), ("forward_ms", "forward"), ("backward_ms", "backward"), ("optimizer_ms", "optimizer step"))


@dataclass
class Line:
    """One line of a chart: points (x, y) with y None where there is no value."""

    label: str
    xs: list[float]
    ys: list[float | None]
    dashed: bool = False


@dataclass
class Heatmap:
    """Gradient norm per bucket (rows) and column (a sampled iteration, or a bin of them)."""

    buckets: list[str]
    columns: list[tuple[int, int]]  # (first, last) iteration of each column
    values: list[list[float | None]]  # [bucket][column]: the largest norm in the column
    states: list[list[str]]  # [bucket][column]: "ok", "vanishing", "dead"
    warn_norm: float
    per_column: int  # sampled iterations per column (1: not binned)
    flagged: list[str] = field(default_factory=list)  # buckets a finding names


@dataclass
class OptimizerView:
    """Everything drawn for one optimizer."""

    label: str
    heatmap: Heatmap
    ratios: list[Line]  # per bucket
    ratio_kind: str  # "true" (‖Δw‖/‖w‖ measured) or "estimated" (lr·‖g‖/‖w‖)
    norms: list[Line]  # global gradient norm after clipping, before it, the clip limit
    loss: list[Line]  # training loss at sampled iterations
    counters: list[tuple[str, str, Any]]  # (name, meaning, value)


@dataclass
class Report:
    """The report's content, in the order the page shows it."""

    run: str
    facts: list[tuple[str, str]]  # (what, value): torch, device, parameters, ...
    diagnosis: Diagnosis
    pages: dict[str, dict[str, str]]  # finding name → its rule page (what, why, fix)
    optimizers: list[OptimizerView]
    epochs: list[tuple[str, list[Line]]]  # (title, lines)
    loaders: list[dict[str, Any]]  # per DataLoader: wait, work, batches, share
    snapshot: dict[str, Any] | None  # the last step snapshot: parts (label, ms), line
    missing: list[str]  # what the run directory lacks, said plainly
    band: tuple[float, float] = (LR_SMALL, LR_LARGE)  # the update-ratio band the rules accept


class _Collector:
    """Takes every step record as read_run reads it (History keeps only the latest ones)."""

    def __init__(self, progress: Callable[[int], None] | None) -> None:
        self.progress = progress
        self.per_opt: dict[int, dict[str, Any]] = {}

    def __call__(self, h: History, rec: dict[str, Any], bytes_read: int) -> None:
        if self.progress is not None:
            self.progress(bytes_read)
        if rec.get("type") != "step" or not h.steps or h.steps[-1] is not rec or "g" not in rec:
            return
        d = h.derived(rec)
        s = self.per_opt.setdefault(rec["opt"], {"it": [], "grad": [], "tr": [], "ur": [], "total": [], "pre": [], "max": [], "loss": []})
        s["it"].append(rec["it"])
        s["grad"].append(dict(d.buckets))
        s["tr"].append(dict(d.bucket_tr))
        s["ur"].append(dict(d.bucket_ur))
        s["total"].append(d.total if math.isfinite(d.total) else None)
        clip = rec.get("clip") or {}
        s["pre"].append(clip.get("pre"))
        s["max"].append(clip.get("max"))
        out = rec.get("out") or {}
        loss = out.get("loss")
        s["loss"].append(loss if isinstance(loss, (int, float)) else None)


def collect(path: str | os.PathLike[str], progress: Callable[[int], None] | None = None) -> Report:
    """Read a run directory (or its run.jsonl) once: the diagnosis and every series the report
    draws. Raises RunFileError (missing, empty or foreign file) like `torchvitals diagnose`;
    whatever else the file lacks is said in `Report.missing`."""
    collector = _Collector(progress)
    history = read_run(path, observe=collector)
    try:
        diag = diagnose_history(history)
    except Exception as exc:  # a bug of ours must not end in a traceback for the user's file
        raise RunFileError(f"{path}: torchvitals failed while judging this run ({type(exc).__name__}: {exc}); please report it with the file") from exc
    run_file = resolve_run_file(path)
    diag.run_dir = str(run_file.parent)
    named = {w for f in diag.findings for w in f.where}
    views = [_optimizer_view(history, k, collector.per_opt[k], named) for k in sorted(collector.per_opt)]
    return Report(
        run=run_file.parent.name or str(run_file.parent),
        facts=_facts(history, run_file),
        diagnosis=diag,
        pages=_pages(diag.findings + diag.withdrawn),
        optimizers=views,
        epochs=epoch_lines(history.epochs),
        loaders=loader_split(history.events),
        snapshot=snapshot_of(history.events),
        missing=_missing(history, run_file, views),
    )


def _facts(h: History, run_file: Path) -> list[tuple[str, str]]:
    facts = [("record", run_file.name)]
    for key, label in (("time", "started"), ("torch", "torch"), ("device", "device")):
        if isinstance(h.header.get(key), str):
            facts.append((label, h.header[key]))
    facts.append(("parameter tensors", str(len(h.params))))
    numel = sum(p.get("numel", 0) for p in h.params if isinstance(p.get("numel"), int))
    facts.append(("parameters", f"{numel:,}"))
    facts.append(("optimizers", ", ".join(str(o.get("type", "?")) for o in h.optimizers) or "none"))
    facts.append(("sampled iterations", str(h.n_steps)))
    if h.end and isinstance(h.end.get("seconds"), (int, float)):
        facts.append(("wall time", f"{h.end['seconds']:.1f} s"))
    dist = h.header.get("dist")
    if isinstance(dist, dict) and isinstance(dist.get("world"), int) and dist["world"] > 1:
        facts.append(("ranks", f"{dist['world']} (this record: rank {dist.get('rank')}, numbers combined across ranks)"))
    return facts


def _pages(findings: list[Finding]) -> dict[str, dict[str, str]]:
    pages = {}
    for f in findings:
        r = rule_page(f.name)
        if r is not None:
            pages[f.name] = {"what": r.what, "why": r.why, "fix": r.fix}
    return pages


def _missing(h: History, run_file: Path, views: list[OptimizerView]) -> list[str]:
    out = []
    if not (run_file.parent / FINDINGS_FILE).exists():
        out.append(f"{FINDINGS_FILE} is missing (the run did not close, or was copied without it): the findings below were judged again from {run_file.name}")
    if h.n_steps == 0:
        out.append(f"{run_file.name} holds no step record: no sampled iteration was recorded, so there are no gradient, update or loss charts")
    elif not views:
        out.append(f"{run_file.name}'s step records carry no gradient statistics: there are no gradient or update charts")
    if not h.epochs:
        out.append("no epoch record: there is no loss-against-baseline chart")
    ranked = rank_files(run_file.parent)
    if ranked and run_file.name != f"run.rank{ranked[0][0]}.jsonl" and run_file.name.startswith("run.rank"):
        out.append(f"this report shows {run_file.name}")
    return out + list(h.notes)


def _stride(n: int, cap: int) -> list[int]:
    """Indices of at most about `cap` of `n` points, evenly spaced, the last one kept."""
    if n <= cap:
        return list(range(n))
    k = math.ceil(n / cap)
    idx = list(range(0, n, k))
    return idx if idx[-1] == n - 1 else idx + [n - 1]


def _thin(label: str, xs: list[int], ys: list[float | None], dashed: bool = False, gaps: bool = True) -> Line:
    """At most about MAX_POINTS of the points; `gaps=False` leaves out the iterations without a
    value (a quantity measured on some sampled iterations only), so the line joins the others."""
    if not gaps:
        kept = [(x, y) for x, y in zip(xs, ys, strict=True) if _num(y) is not None]
        xs, ys = [x for x, _ in kept], [y for _, y in kept]
    idx = _stride(len(xs), MAX_POINTS)
    return Line(label, [xs[i] for i in idx], [_num(ys[i]) for i in idx], dashed)


def _num(x: Any) -> float | None:
    return float(x) if isinstance(x, (int, float)) and not isinstance(x, bool) and math.isfinite(x) else None


def cell_state(value: float | None, warn_norm: float) -> str:
    """"dead" (no gradient, or exactly zero), "vanishing" (below warn_norm, the threshold
    vanishing-gradient uses), or "ok"."""
    if value is None or value == 0.0:
        return "dead"
    return "vanishing" if value < warn_norm else "ok"


def heatmap(buckets: list[str], its: list[int], grads: list[dict[str, float]], warn_norm: float, flagged: set[str]) -> Heatmap:
    """Bucket × column; with more than MAX_COLUMNS sampled iterations, each column is a bin of
    consecutive ones holding the largest norm among them (a bin is vanishing only when all of
    its iterations are, dead only when none had a gradient)."""
    per = max(1, math.ceil(len(its) / MAX_COLUMNS))
    bins = [range(i, min(i + per, len(its))) for i in range(0, len(its), per)]
    columns = [(its[b[0]], its[b[-1]]) for b in bins]
    values: list[list[float | None]] = []
    for bk in buckets:
        row = []
        for b in bins:
            seen = [v for v in (_num(grads[i].get(bk)) for i in b) if v is not None]
            row.append(max(seen) if seen else None)
        values.append(row)
    states = [[cell_state(v, warn_norm) for v in row] for row in values]
    return Heatmap(buckets, columns, values, states, warn_norm, per, [b for b in buckets if b in flagged])


def _buckets(h: History, k: int) -> list[str]:
    """The optimizer's buckets in the model's order (forward order of registration)."""
    return list(dict.fromkeys(h.layout(k).buckets))


def _optimizer_view(h: History, k: int, s: dict[str, Any], flagged: set[str]) -> OptimizerView:
    buckets = _buckets(h, k)
    buckets += [b for b in dict.fromkeys(b for g in s["grad"] for b in g) if b not in buckets]
    its = s["it"]
    true = any(s["tr"])
    ratio = s["tr"] if true else s["ur"]
    ratios = [_thin(b, its, [r.get(b) for r in ratio], gaps=False) for b in buckets]
    norms = [_thin("after clipping (what the step applied)" if any(v is not None for v in s["pre"]) else "global gradient norm", its, s["total"])]
    if any(v is not None for v in s["pre"]):
        norms.append(_thin("before clipping (clip_grad_norm_)", its, s["pre"]))
        norms.append(_thin("clip limit (max_norm)", its, s["max"], dashed=True))
    loss = [_thin("training loss (mean since the previous sample)", its, s["loss"])] if any(v is not None for v in s["loss"]) else []
    counters = h.counters(k)
    return OptimizerView(
        label=opt_label(h, k),
        heatmap=heatmap(buckets, its, s["grad"], option(h, "warn_norm"), flagged),
        ratios=[r for r in ratios if any(y is not None for y in r.ys)],
        ratio_kind="true" if true else "estimated",
        norms=norms,
        loss=loss,
        counters=[(name, meaning, counters[name]) for name, meaning in COUNTERS if name in counters],
    )


def epoch_lines(epochs: list[dict[str, Any]]) -> list[tuple[str, list[Line]]]:
    """Per metric family, train/val per epoch and the trivial baselines beside them (measured
    by torchvitals; a loss the script passed to epoch_end when torchvitals measured none)."""
    xs = [e["epoch"] for e in epochs]
    charts = []
    for title, metric, baselines in EPOCH_CHARTS:
        lines = []
        for split in ("train", "val"):
            ys = [_metric(e, split, metric) for e in epochs]
            if any(y is not None for y in ys):
                lines.append(Line(split, xs, ys))
        for split in ("val", "train"):
            found = False
            for key, label in baselines:
                ys = [_num(((e.get("metrics") or {}).get(split) or {}).get(key)) for e in epochs]
                if any(y is not None for y in ys):
                    lines.append(Line(f"{label} ({split})", xs, ys, dashed=True))
                    found = True
            if found:
                break  # the validation baseline when there is one
        if any(not ln.dashed for ln in lines):
            charts.append((title, lines))
    return charts


def _metric(e: dict[str, Any], split: str, metric: str) -> float | None:
    measured = _num(((e.get("metrics") or {}).get(split) or {}).get(metric))
    return measured if measured is not None else _num((e.get(split) or {}).get(metric))


def loader_split(events: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Per DataLoader, summed over its passes: seconds waiting inside next() and computing
    between batches, batches, the waiting share, and whether a training step ran in it."""
    loaders: dict[str, dict[str, Any]] = {}
    for e in events:
        if e.get("kind") != "dataloader":
            continue
        agg = loaders.setdefault(str(e.get("loader")), {"loader": str(e.get("loader")), "wait": 0.0, "work": 0.0, "batches": 0, "steps": 0, "passes": 0})
        agg["passes"] += 1
        for key in ("wait", "work", "batches", "steps"):
            v = _num(e.get(key))
            if v is not None:
                agg[key] += v
    for agg in loaders.values():
        total = agg["wait"] + agg["work"]
        agg["share"] = agg["wait"] / total if total > 0 else None
        agg["training"] = agg["steps"] > 0
    return list(loaders.values())


def snapshot_of(events: list[dict[str, Any]]) -> dict[str, Any] | None:
    """The latest step snapshot (torchvitals.checks.snapshot on a watched model): its parts in
    ms and its MICRODETAIL line."""
    snap = next((e for e in reversed(events) if e.get("kind") == "snapshot"), None)
    if snap is None:
        return None
    parts = [(label, _num(snap.get(key))) for key, label in SNAPSHOT_PARTS]
    return {"parts": [(lb, v) for lb, v in parts if v is not None], "line": str(snap.get("line") or "")}


__all__ = ["Heatmap", "Line", "OptimizerView", "Report", "cell_state", "collect", "epoch_lines", "heatmap", "loader_split", "snapshot_of"]
