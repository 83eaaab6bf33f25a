"""The `ranks` field of rank 0's step records, folded (History keeps only the latest records
whole): when the replicated parameters first agreed and first differed, whose inputs were the
same, which ranks disagreed on stepping. Read by the distributed rules (rules/distributed.py),
which judge; nothing here decides a finding.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from torchvitals.record import History, fold
from torchvitals.rules.base import CannotJudge
from torchvitals.stats import Derived

# Sampled iterations whose inputs were the same on every rank before duplicate-data fires. One
# is already no coincidence (a 64-bit fingerprint of different batches does not collide); two
# make sure it is not a one-off such as a shared warm-up batch.
DUPLICATE_MIN = 2


def is_int(x: Any) -> bool:
    return isinstance(x, int) and not isinstance(x, bool)


def ints(x: Any) -> bool:
    return isinstance(x, list) and all(is_int(v) for v in x)


def per_rank(r: dict[str, Any], key: str, ok: Any) -> list[Any] | None:
    """The per-rank list `key` of a `ranks` field, one valid entry per seen rank, else None."""
    v = r.get(key)
    if isinstance(v, list) and len(v) == len(r["seen"]) and all(ok(x) for x in v):
        return v
    return None


def ranks_field(rec: dict[str, Any]) -> dict[str, Any] | None:
    """The step record's `ranks` field when it compares at least two ranks, else None. The
    schema has checked its shape; the folds still check each field they read, so that a record
    written by another version of the core costs a field, not the rule."""
    r = rec.get("ranks")
    if not isinstance(r, dict) or not ints(r.get("seen")) or len(r["seen"]) < 2:
        return None
    return r


def ranks_text(ranks: list[int]) -> str:
    ranks = list(ranks)
    if len(ranks) == 1:
        return f"rank {ranks[0]}"
    return "ranks " + (", ".join(str(k) for k in ranks[:-1]) + f" and {ranks[-1]}")


# ---------------------------------------------------------------------------------- the fold


@dataclass
class Divergence:
    """The first sampled iteration at which replicated parameters differed between ranks."""

    it: int
    params: list[int]
    seen: list[int]
    checked: int
    synced: int | None  # the first iteration at which they had all been equal, before this one


@dataclass
class StepSplit:
    """The first sampled iteration at which the ranks disagreed on stepping (one optimizer)."""

    it: int
    seen: list[int]
    its: list[int] | None
    stepped: list[bool] | None
    steps: list[int] | None
    records: int = 1  # sampled records with a disagreement


@dataclass
class RankRun:
    """Rank 0's step records with a `ranks` field, folded one by one (History keeps only the
    latest records whole): what TV701, TV702 and TV704 read."""

    records: int = 0
    synced: int | None = None  # first iteration: checked > 0 and nothing diverged
    diverged: Divergence | None = None  # the first divergence, whenever it came
    diverged_after_sync: Divergence | None = None  # the first one after `synced`
    diverged_records: int = 0
    last_it: int | None = None  # the iteration last folded for the input fingerprints
    prev_batch0: str | None = None  # rank 0's latest fingerprint before this iteration
    inputs_seen: int = 0  # records with rank 0's input fingerprinted or its loader's dataset identified (0: not judged)
    compared: int = 0  # iterations whose inputs could be compared (rank 0's input changed)
    duplicates: list[int] = field(default_factory=list)  # their iterations with one input on all ranks (first few)
    duplicate_count: int = 0
    duplicate_seen: list[int] = field(default_factory=list)
    whole: int | None = None  # first iteration at which every rank read the same dataset whole
    whole_count: int = 0  # sampled iterations that said so
    whole_seen: list[int] = field(default_factory=list)
    whole_items: int | None = None  # that dataset's length
    split: dict[int, StepSplit] = field(default_factory=dict)  # optimizer → first step disagreement


@fold("ranks", RankRun)
def _fold_ranks(state: RankRun, h: History, rec: dict[str, Any], d: Derived) -> None:
    r = ranks_field(rec)
    if r is None:
        return
    state.records += 1
    it, seen = rec["it"], list(r["seen"])
    _fold_sync(state, r, it, seen)
    if it != state.last_it:  # the optimizers of one iteration share its input
        state.last_it = it
        _fold_batches(state, r, it, seen)
    _fold_steps(state, r, rec.get("opt", 0), it, seen)


def _fold_sync(state: RankRun, r: dict[str, Any], it: int, seen: list[int]) -> None:
    checked, diverged = r.get("checked"), r.get("diverged")
    if not (is_int(checked) and checked > 0 and ints(diverged)):
        return
    if not diverged:
        if state.synced is None:
            state.synced = it
        return
    state.diverged_records += 1
    div = Divergence(it, sorted(set(diverged)), seen, checked, state.synced)
    if state.diverged is None:
        state.diverged = div
    if state.synced is not None and state.diverged_after_sync is None:
        state.diverged_after_sync = div


def _fold_batches(state: RankRun, r: dict[str, Any], it: int, seen: list[int]) -> None:
    _fold_sources(state, r, it, seen)
    batch = per_rank(r, "batch", lambda x: x is None or isinstance(x, str))
    if batch is None or 0 not in seen:
        return
    fp0 = batch[seen.index(0)]
    if fp0 is None:
        return
    state.inputs_seen += 1
    # A constant tensor fed at every step (a benchmark, a smoke test) is the same on every rank
    # by design: only an input that changes from one sampled iteration to the next is data.
    changed = state.prev_batch0 is not None and fp0 != state.prev_batch0
    state.prev_batch0 = fp0
    if not changed or any(x is None for x in batch):
        return
    state.compared += 1
    if all(x == fp0 for x in batch):
        state.duplicate_count += 1
        if len(state.duplicates) < DUPLICATE_MIN:
            state.duplicates.append(it)
            state.duplicate_seen = seen


def _fold_sources(state: RankRun, r: dict[str, Any], it: int, seen: list[int]) -> None:
    """Every rank's training loader read one and the same dataset whole (no DistributedSampler)."""
    src = per_rank(r, "source", lambda x: x is None or isinstance(x, str))
    if src is None or src[0] is None:
        return
    state.inputs_seen += 1
    if any(x != src[0] for x in src):
        return
    state.whole_count += 1
    if state.whole is None:
        state.whole, state.whole_seen = it, seen
        items = src[0].split(":", 1)[0]
        state.whole_items = int(items) if items.isdigit() else None


def _fold_steps(state: RankRun, r: dict[str, Any], k: Any, it: int, seen: list[int]) -> None:
    its = per_rank(r, "it", is_int)
    stepped = per_rank(r, "stepped", lambda x: isinstance(x, bool))
    steps = per_rank(r, "steps", is_int)
    if not any(v is not None and len(set(v)) > 1 for v in (its, stepped, steps)):
        return
    if k in state.split:
        state.split[k].records += 1
    else:
        state.split[k] = StepSplit(it, seen, its, stepped, steps)


# ---------------------------------------------------------------------------------- helpers


def dist_of(h: History) -> dict[str, Any] | None:
    """The header's `dist` when the run had more than one process, else None."""
    d = h.header.get("dist")
    if isinstance(d, dict) and is_int(d.get("world")) and d["world"] > 1:
        return d
    return None


def wrapper_of(h: History) -> Any:
    d = dist_of(h)
    return d.get("wrapper") if d else None


def compared_or_explain(h: History) -> RankRun | None:
    """The folded ranks when the record compared ranks at all; None for a single-process run
    (nothing to say); CannotJudge for a distributed run whose ranks were never compared."""
    d = dist_of(h)
    if d is None:
        return None
    run: RankRun = h.folded("ranks")
    if run.records == 0:
        rank = d.get("rank")
        if is_int(rank) and rank != 0:
            raise CannotJudge(
                f"this is rank {rank}'s record; the ranks are compared in rank 0's (run.rank0.jsonl)"
            )
        raise CannotJudge("no sampled iteration compared two ranks (no other rank's numbers reached rank 0)")
    return run


def data_parallel(h: History, run: RankRun) -> bool:
    """Whether the ranks are meant to train one model on different data: DDP or FSDP found, or
    the replicated parameters were bitwise equal on every rank at some sampled iteration. With
    DTensor-sharded parameters and no FSDP the job is tensor parallel, whose ranks share their
    input by design: not data-parallel here."""
    if wrapper_of(h) in ("ddp", "fsdp"):
        return True
    d = dist_of(h) or {}
    return run.synced is not None and not d.get("sharded")


def param_names(h: History, idx: list[int]) -> list[str]:
    return [h.params[i]["name"] if 0 <= i < len(h.params) else f"parameter #{i}" for i in idx]


def buckets_of(h: History, idx: list[int]) -> list[str]:
    out: list[str] = []
    for i in idx:
        b = h.params[i]["bucket"] if 0 <= i < len(h.params) else "?"
        if b not in out:
            out.append(b)
    return out
