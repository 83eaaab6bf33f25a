"""The run record: typed JSON lines, the single source of truth for live and offline diagnosis.

Every line is one JSON object with a `type`:
  header  schema version, parameters (name, shape, bucket, ...), optimizers and their groups
  layout  the parameter layout again, after parameter groups were added (newer wins)
  step    one sampled iteration of one optimizer: per-parameter gradient norms `g`, weight
          norms `w` (on detailed iterations; in between the last ones read, from iteration
          `w_it`), true update norms `d` (None where not copied), counters; `gx`: positions
          without a gradient at the step whose gradient backward() had computed (dropped)
  event   something that happened once (a probe switched off, a finding first seen, ...)
  epoch   what `Monitor.epoch_end` was given, plus the per-epoch line
  plateau one ReduceLROnPlateau.step(metric): the metric, the mode, learning rates before/after
  end     final counters when the monitor closed
The file is append-only. The reader (runfile.py: bounded reading; schema.py: what each record
must hold) tolerates a truncated last line and skips corrupt lines and malformed records,
saying how many and why, so a crashed or damaged run can still be diagnosed.
"""

from __future__ import annotations

import json
import math
import os
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from torchvitals.runfile import (
    MAX_LINE_BYTES,
    MAX_RUN_BYTES,
    RunFileError,
    Skipped,
    open_regular,
    records,
    size_text,
)
from torchvitals.schema import (
    invalid_end,
    invalid_epoch,
    invalid_event,
    invalid_header,
    invalid_plateau,
    invalid_step,
)
from torchvitals.stats import Derived, Layout, derive

SCHEMA = 1
# Memory stays flat however long the run: History keeps the last KEEP_RAW step records whole
# (for the console and the rules that look at recent iterations), and for everything before
# only what the rules read, folded record by record into running summaries (the folds each
# rule module registers with `fold`). run.jsonl keeps every record.
KEEP_RAW = 512
RUN_FILE = "run.jsonl"
FINDINGS_FILE = "findings.json"

# name → (make an empty state, fold one step record into it). Registered by the rule modules
# when torchvitals is imported (its __init__ imports torchvitals.rules first);
# History.add runs every fold on every valid step record, in registration order.
StepFold = Callable[[Any, "History", dict[str, Any], Derived], None]
FOLDS: dict[str, tuple[Callable[[], Any], StepFold]] = {}


def fold(name: str, init: Callable[[], Any]) -> Callable[[StepFold], StepFold]:
    """Register `fn(state, history, rec, derived)`: folds each step record into the running
    state that the rule reads with `History.folded(name)`."""

    def register(fn: StepFold) -> StepFold:
        if name in FOLDS:
            raise ValueError(f"fold {name} registered twice")
        FOLDS[name] = (init, fn)
        return fn

    return register


class FoldError(Exception):
    """A fold raised on some record: the rule that reads it cannot judge (it says so)."""


# Record type → its validator (schema.py); "layout" is checked merged into the header.
_CHECKS = {
    "header": invalid_header,
    "step": invalid_step,
    "event": invalid_event,
    "epoch": invalid_epoch,
    "plateau": invalid_plateau,
    "end": invalid_end,
}


def rounded(x: float | None, digits: int = 6) -> float | None:
    """Round to `digits` significant digits so that live and re-read values are identical."""
    if x is None:
        return None
    x = float(x)
    if not math.isfinite(x) or x == 0.0:
        return x
    return float(f"{x:.{digits}g}")


def rounded_all(xs: list[float]) -> list[float]:
    """`rounded(x)` of each float of a list, at 6 digits (what formatting gives inf, nan and
    zero back as they were)."""
    return [float(f"{x:.6g}") for x in xs]


@dataclass
class History:
    """Everything a rule may look at, built the same way live and from run.jsonl."""

    header: dict[str, Any] = field(default_factory=dict)
    steps: deque[dict[str, Any]] = field(default_factory=lambda: deque(maxlen=KEEP_RAW))  # the latest ones
    events: list[dict[str, Any]] = field(default_factory=list)
    epochs: list[dict[str, Any]] = field(default_factory=list)
    plateau: list[dict[str, Any]] = field(default_factory=list)  # ReduceLROnPlateau.step() calls
    end: dict[str, Any] | None = None
    notes: list[str] = field(default_factory=list)
    rejected: int = 0  # records that did not match the schema (schema.py), left out
    rejected_why: dict[str, str] = field(default_factory=dict)  # record type → first bad field
    bad_header: str | None = None  # the first bad field of a header record that was left out
    w0: dict[int, float] = field(default_factory=dict)  # parameter → its weight norm when first seen
    n_steps: int = 0  # step records taken, all of them (`steps` holds the latest)
    n_grad: int = 0  # ... of which with gradient statistics
    folds: dict[str, Any] = field(default_factory=dict)  # fold name → its running state
    fold_errors: dict[str, str] = field(default_factory=dict)  # fold name → the first error it raised
    _last: dict[int, dict[str, Any]] = field(default_factory=dict, repr=False)  # optimizer → its latest step record
    _layouts: dict[int, Layout] = field(default_factory=dict, repr=False)
    _derived: dict[int, Derived] = field(default_factory=dict, repr=False)
    options_seen: tuple[dict[str, Any], dict[str, Any]] | None = field(default=None, repr=False)  # config.option's

    def add(self, rec: dict[str, Any], trusted: bool = False) -> None:
        """Take one record. One that does not match the schema is counted in `rejected` (with
        its first bad field) and left out, so that rules and sinks never see a malformed one.
        `trusted`: a step record the monitor built itself this moment, whose fields are numbers
        or None by construction (with every=1 the check cost as much as a fold)."""
        kind = rec.get("type")
        if not isinstance(kind, str):
            self._reject("record", "type")
            return
        if trusted and kind == "step":
            problem = None
        elif kind == "layout":  # parameter groups changed after watch(): newer layout wins
            merged = {**self.header, **{k: v for k, v in rec.items() if k != "type"}}
            problem = invalid_header(merged) if self.header else "no header before it"
        else:
            check = _CHECKS.get(kind)
            problem = check(rec) if check else None
        if problem:
            if kind == "header":
                self.bad_header = self.bad_header or problem
            self._reject(kind, problem)
            return
        if kind == "header":
            self.header = rec
            self._layouts.clear()
        elif kind == "layout":
            self.header = merged
            self._layouts.clear()
        elif kind == "step":
            if len(self.steps) == self.steps.maxlen:
                self._derived.pop(id(self.steps[0]), None)
            self.steps.append(rec)
            self.n_steps += 1
            self.n_grad += "g" in rec
            opt = rec["opt"]
            self._last[opt] = rec
            self._first_weights(rec)
            d = self.derived(rec)  # now, with the layout this record was written under
            self._fold(rec, d)
        elif kind == "event":
            self.events.append(rec)
        elif kind == "epoch":
            self.epochs.append(rec)
        elif kind == "plateau":
            self.plateau.append(rec)
        elif kind == "end":
            self.end = rec
        # Unknown types come from newer writers: ignored, the rest still diagnoses.

    def _fold(self, rec: dict[str, Any], d: Derived) -> None:
        for name, (init, fn) in FOLDS.items():
            if name in self.fold_errors:
                continue
            state = self.folds.get(name)
            if state is None:
                state = self.folds[name] = init()
            try:
                fn(state, self, rec, d)
            except Exception as exc:  # costs the rules that read this fold, nothing else
                self.fold_errors[name] = f"{type(exc).__name__}: {exc}"

    def folded(self, name: str) -> Any:
        """The running state of fold `name` (a fresh one before any step record)."""
        if name in self.fold_errors:
            raise FoldError(f"fold {name} failed: {self.fold_errors[name]}")
        state = self.folds.get(name)
        if state is None:
            state = FOLDS[name][0]()
        return state

    def _first_weights(self, rec: dict[str, Any]) -> None:
        w = rec.get("w")
        if not w:
            return
        lay = self.layout(rec["opt"])
        if self.w0.keys() >= lay.pidx_set:  # every parameter seen: the usual record
            return
        for gi, x in zip(lay.pidx, w, strict=False):
            if gi not in self.w0 and isinstance(x, (int, float)) and math.isfinite(x):
                self.w0[gi] = x

    def _reject(self, kind: str, problem: str) -> None:
        self.rejected += 1
        self.rejected_why.setdefault(kind, problem)

    @property
    def tally(self) -> dict[int, Any]:
        """Optimizer → its per-parameter running totals (rules/tally.py's fold)."""
        return self.folded("tally")

    @property
    def params(self) -> list[dict[str, Any]]:
        return self.header.get("params", [])

    @property
    def optimizers(self) -> list[dict[str, Any]]:
        return self.header.get("optimizers", [])

    def layout(self, opt: int) -> Layout:
        if opt not in self._layouts:
            self._layouts[opt] = Layout.of(self.header, opt)
        return self._layouts[opt]

    def derived(self, rec: dict[str, Any]) -> Derived:
        """Statistics of a step record (computed once, from the layout current when it came)."""
        key = id(rec)
        if key not in self._derived:
            lay = self.layout(rec.get("opt", 0))
            self._derived[key] = derive(rec, lay, list(map(self.w0.get, lay.pidx)))
        return self._derived[key]

    def name(self, idx: int) -> str:
        return self.params[idx]["name"]

    def steps_of(self, opt: int) -> list[dict[str, Any]]:
        """The latest step records of optimizer `opt` (at most KEEP_RAW of all optimizers')."""
        return [s for s in self.steps if s.get("opt") == opt]

    def last_step(self, opt: int) -> dict[str, Any] | None:
        return self._last.get(opt)

    def counters(self, opt: int) -> dict[str, Any]:
        """The latest counters known for optimizer `opt` (end record first, else last step)."""
        if self.end is not None:
            per = self.end.get("counters", [])
            if opt < len(per):
                return per[opt]
        last = self._last.get(opt)
        return last.get("counters", {}) if last else {}


def rank_files(run_dir: Path) -> list[tuple[int, Path]]:
    """(rank, path) of a torchrun job's run.rank<K>.jsonl files, by rank."""
    found = []
    for f in run_dir.glob("run.rank*.jsonl"):
        digits = f.name[len("run.rank") : -len(".jsonl")]
        if digits.isdigit():
            found.append((int(digits), f))
    return sorted(found)


def resolve_run_file(path: str | os.PathLike[str]) -> Path:
    """The run.jsonl of a run directory, or the file itself; RunFileError when neither exists."""
    p = Path(path)
    try:
        if p.is_dir():
            ranked = rank_files(p)
            p = p / RUN_FILE if (p / RUN_FILE).exists() or not ranked else ranked[0][1]
        exists = p.exists()
    except (OSError, ValueError) as exc:  # a name the OS refuses (too long, a NUL byte)
        raise RunFileError(f"{p}: cannot read: {exc}") from None
    if not exists:
        raise RunFileError(f"{p}: no such file (expected a run directory or its {RUN_FILE})")
    return p


def read_run(
    path: str | os.PathLike[str],
    max_bytes: int = MAX_RUN_BYTES,
    max_line: int = MAX_LINE_BYTES,
    observe: Callable[[History, dict[str, Any], int], None] | None = None,
) -> History:
    """Read a run directory or run.jsonl into a History.

    Whatever the file holds, this returns a History or raises RunFileError (missing, not a
    regular file, unreadable, or without a usable header). A line that is not JSON, too long,
    nested too deep, or a record that does not match the schema is skipped and counted in
    `History.notes`; so is a truncated last line (a crashed run can still be diagnosed). Only
    the first `max_bytes` are read; a note says when the file goes on past them.

    `observe(history, rec, bytes_read)`, when given, is called after each record was offered to
    the History (a step record was taken when it is `history.steps[-1]`): a reader that needs
    every record, not only the latest ones the History keeps, sees them in the same single pass."""
    p = resolve_run_file(path)
    fh, size = open_regular(p)
    hist = History()
    skipped = Skipped()
    try:
        with fh:
            for rec in records(fh, skipped, max_bytes, max_line):
                try:
                    hist.add(rec)
                except Exception as exc:  # a bug of ours with a record the schema let in: lose it, not the run
                    skipped.add(f"that torchvitals failed to take ({type(exc).__name__})")
                    continue
                if observe is not None:
                    observe(hist, rec, fh.tell())
    except OSError as exc:
        raise RunFileError(f"{p}: cannot read: {exc.strerror or exc}") from None
    if not hist.header:
        if hist.bad_header:
            raise RunFileError(f"{p}: the header's '{hist.bad_header}' does not match the schema")
        raise RunFileError(f"{p}: no header record; not a torchvitals run.jsonl")
    hist.notes.extend(_reading_notes(p.name, skipped, size, max_bytes))
    if hist.rejected:
        why = ", ".join(f"{kind} '{field}'" for kind, field in hist.rejected_why.items())
        hist.notes.append(f"{p.name}: skipped {hist.rejected} record(s) that do not match the schema (first bad field: {why})")
    schema = hist.header.get("schema")
    if schema != SCHEMA:
        hist.notes.append(f"{p.name}: schema {schema!r}, this torchvitals reads schema {SCHEMA}")
    if hist.end is None and "end" not in hist.rejected_why:
        hist.notes.append(f"{p.name}: no end record; the run did not close cleanly")
    hist.notes.extend(_rank_notes(p, hist.header.get("dist")))
    return hist


def _rank_notes(p: Path, dist: Any) -> list[str]:
    """A torchrun job's other ranks: which wrote nothing, which stopped without closing."""
    if not isinstance(dist, dict) or not isinstance(dist.get("world"), int) or dist["world"] <= 1:
        return []
    notes = []
    me = dist.get("rank")
    if me != 0:
        notes.append(f"{p.name}: rank 0's record is missing; these are rank {me}'s own numbers, not combined across ranks")
    files = dict(rank_files(p.parent))
    for k in range(min(dist["world"], 4096)):
        if k == me:
            continue
        f = files.get(k)
        if f is None:
            notes.append(f"rank {k} of {dist['world']} wrote no run.rank{k}.jsonl here (another node's directory?)")
        elif not _ends_cleanly(f):
            notes.append(f"{f.name}: no end record; rank {k} died or was killed before the run ended")
    return notes


def _ends_cleanly(f: Path) -> bool:
    """Whether a run file's last line is an end record (reads only its tail)."""
    try:
        if not f.is_file():  # a FIFO or device must never be opened
            return False
        with open(f, "rb") as fh:
            fh.seek(0, os.SEEK_END)
            fh.seek(max(0, fh.tell() - 65536))
            tail = fh.read().rstrip().rsplit(b"\n", 1)[-1]
        return json.loads(tail).get("type") == "end"
    except (OSError, ValueError, AttributeError):
        return False


def _reading_notes(name: str, skipped: Skipped, size: int, max_bytes: int) -> list[str]:
    notes = []
    if skipped.truncated_last:
        notes.append(f"{name}: last line is truncated (run ended abruptly?)")
    if skipped.total:
        why = ", ".join(f"{n} {reason}" for reason, n in skipped.reasons.items())
        notes.append(f"{name}: skipped {skipped.total} corrupt line(s) ({why})")
    if skipped.capped:
        notes.append(
            f"{name}: only the first {size_text(max_bytes)} of {size_text(max(size, max_bytes))} were read "
            "(torchvitals reads at most that much of a run); the rest was not judged"
        )
    return notes
