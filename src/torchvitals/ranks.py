"""The one place that knows about processes: which rank this is, how many there are, the run
directory's name every rank agrees on, and the exchange of a sampled iteration's numbers.

Design: no process-group collective at all. torch.distributed's own key-value store (the one
`init_process_group` rendezvoused through) carries the numbers: on a sampled record every rank
but 0 appends its numbers to the optimizer's log key (an append is not answered: no waiting)
and goes on at once; rank 0 reads and empties the log when it takes its next sample
(monitor/records.py), by which time they are there, and combines them: two round trips to the
store for any number of ranks. It waits for a missing one only then (at most the timeout,
option `dist_timeout`). A rank that never reports (it died, stopped sampling,
or fell behind) costs rank 0 that timeout once, then is left out, and the record says so. Ranks
> 0 therefore never wait for anything, a rank that does not watch never blocks one that does,
and no collective of the user's process groups is ever issued or reordered. Collectives were the
alternative (one all_gather per sampled iteration): they need every rank at the same point in
the same order, which a rank that skips a step (exactly the faults watched for) breaks.
"""

from __future__ import annotations

import datetime
import json
import os
import struct
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import torch

_PREFIX = "torchvitals"
_seq = 0  # monitors made in this process while torch.distributed was up: a store namespace each


def _dist_ready() -> bool:
    dist = getattr(torch, "distributed", None)
    return bool(dist is not None and dist.is_available() and dist.is_initialized())


def initialized() -> bool:
    """Whether torch.distributed's process group is up (init_process_group was called)."""
    return _dist_ready()


def _env_int(name: str, default: int) -> int:
    try:
        return int(os.environ.get(name, default))
    except ValueError:
        return default


def rank() -> int:
    """This process's global rank: torch.distributed's, else torchrun's RANK, else 0."""
    return torch.distributed.get_rank() if _dist_ready() else _env_int("RANK", 0)


def world_size() -> int:
    """How many processes train together: torch.distributed's, else torchrun's WORLD_SIZE, else 1."""
    return torch.distributed.get_world_size() if _dist_ready() else max(1, _env_int("WORLD_SIZE", 1))


def is_main() -> bool:
    """Whether this process prints the console output and writes findings.json."""
    return rank() == 0


def restart() -> int:
    """How many times torchrun has restarted this job's processes (`--max-restarts`): 0 in the
    first attempt. Its agent keeps one key-value store for every attempt of the job, so an
    attempt's keys must not be found by the next one (see Channel.key)."""
    return max(0, _env_int("TORCHELASTIC_RESTART_COUNT", 0))


def run_file(rank: int, world: int) -> str:
    """This rank's record file: run.jsonl on one process, run.rank<K>.jsonl under torchrun."""
    return "run.jsonl" if world <= 1 else f"run.rank{rank}.jsonl"


def default_name() -> str:
    """A run directory name: a timestamp; under torchrun with a run id (--standalone makes one,
    multi-node jobs pass --rdzv-id) the date and that id, the same on every rank and node."""
    run_id = os.environ.get("TORCHELASTIC_RUN_ID", "")
    if world_size() > 1 and run_id and run_id != "none":
        safe = "".join(c if c.isalnum() or c in "-_." else "-" for c in run_id)[:64]
        return time.strftime("%Y%m%d-") + safe
    return time.strftime("%Y%m%d-%H%M%S") + f"-{os.getpid()}"


def describe() -> dict[str, Any] | None:
    """The header's `dist` facts of this process (None on one process)."""
    if world_size() <= 1:
        return None
    backend = None
    if _dist_ready():
        try:
            backend = str(torch.distributed.get_backend())
        except Exception:
            backend = None
    facts = {
        "rank": rank(),
        "world": world_size(),
        "local_world": _env_int("LOCAL_WORLD_SIZE", world_size()),
        "backend": backend,
    }
    if restart():
        facts["restart"] = restart()
    return facts


def _store() -> Any:
    if not _dist_ready():
        return None
    try:
        return torch.distributed.distributed_c10d._get_default_store()
    except Exception:
        return None


def _timeout(seconds: float) -> datetime.timedelta:
    return datetime.timedelta(seconds=max(0.001, seconds))


def _space(seq: int) -> str:
    """The store prefix of the `seq`-th monitor of this attempt of the job: a rank that died in
    the attempt before left its keys there (its reports, "closed", "stop", the run's name), which
    this attempt's ranks must not take for their own."""
    return f"{_PREFIX}/{restart()}/{seq}"


def _run_name_key(seq: int) -> str:
    return f"{_space(seq)}/name"


@dataclass
class Channel:
    """This monitor's slice of the store: `seq` names it (the n-th monitor of every rank)."""

    store: Any
    seq: int
    rank: int
    world: int
    timeout: float
    live: list[int] = field(default_factory=list)  # ranks rank 0 still waits for
    published: int = 0  # reports this rank (> 0) published
    inbox: dict[tuple[int, int, int], Report] = field(default_factory=dict)  # rank 0: (opt, it, rank) → read, not yet used
    present: set[int] = field(default_factory=set)  # rank 0: ranks seen to have opened their exchange

    def key(self, *parts: Any) -> str:
        return "/".join([_space(self.seq), *map(str, parts)])


def open_channel(choose_name: Any, timeout: float) -> tuple[str | None, Channel | None, str | None]:
    """Agree on the run directory's name and open the exchange.

    `choose_name()` is called on rank 0 only (it picks a free name); the others read it from the
    store (`choose_name=None`: no name to agree on, a monitor made before init_process_group
    whose directory is already chosen). Returns (name, channel, problem): channel is None on one
    process or without a store (then each rank judges its own numbers), and `problem` says why
    when it should have worked.
    """
    global _seq
    store = _store()
    if world_size() <= 1 or store is None:
        return None, None, None
    _seq += 1
    me, world = rank(), world_size()
    chan = Channel(store, _seq, me, world, timeout, live=list(range(1, world)))
    try:
        store.set(chan.key("present", me), b"1")  # this rank watches (see gather: a rank that never does)
    except Exception:
        pass
    key = _run_name_key(_seq)
    if choose_name is None:
        return None, chan, None
    try:
        if me == 0:
            name = choose_name()
            store.set(key, name.encode())
            return name, chan, None
        store.wait([key], _timeout(timeout))
        return store.get(key).decode(), chan, None
    except Exception as exc:
        return None, None, (
            f"rank {me} could not learn the run directory from rank 0 ({type(exc).__name__}); "
            "it writes its own, and its numbers are not combined with the other ranks'"
        )


# ---------------------------------------------------------------- the exchange of one record
@dataclass
class Report:
    """One rank's numbers for one sampled record."""

    rank: int
    it: int
    stepped: bool
    steps: int
    batch: str | None
    values: list[float]  # norms, in the sampler's layout
    checks: list[int]  # bit checksums of the replicated parameters
    source: str | None = None  # the dataset this rank's loader reads whole (probes/whole_dataset.py)

    def pack(self) -> bytes:
        meta = json.dumps(
            {"rank": self.rank, "it": self.it, "stepped": self.stepped, "steps": self.steps,
             "batch": self.batch, "source": self.source, "nv": len(self.values), "nc": len(self.checks)}
        ).encode()
        return (
            struct.pack("<I", len(meta)) + meta
            + struct.pack(f"<{len(self.values)}d", *self.values)
            + struct.pack(f"<{len(self.checks)}q", *self.checks)
        )

    @staticmethod
    def unpack(raw: bytes) -> Report:
        (n,) = struct.unpack_from("<I", raw, 0)
        meta = json.loads(raw[4 : 4 + n])
        at = 4 + n
        nv, nc = int(meta["nv"]), int(meta["nc"])
        values = list(struct.unpack_from(f"<{nv}d", raw, at))
        checks = list(struct.unpack_from(f"<{nc}q", raw, at + 8 * nv))
        source = meta.get("source")
        return Report(int(meta["rank"]), int(meta["it"]), bool(meta["stepped"]), int(meta["steps"]),
                      meta["batch"], values, checks, source if isinstance(source, str) else None)


# How long rank 0 waits for the numbers of a rank that never opened its exchange (no monitor in
# that process: watch() called on rank 0 only, as logging often is), when the ranks train in
# step (DDP, FSDP: every backward all-reduces), so that by rank 0's next sample a watching rank
# has long opened its exchange. Ranks that do not train in step get the whole timeout.
ABSENT_GRACE = 2.0

# Every STOP_CHECK_EVERY-th report a rank > 0 publishes first asks whether rank 0 still listens:
# one round trip, where appending is none. A rank rank 0 gave up on (or that outlived it) adds at
# most this many unread reports to the log before it stops.
STOP_CHECK_EVERY = 16
FRAME = struct.Struct("<I")


def publish(chan: Channel, opt: int, report: Report) -> None:
    """A rank > 0 hands its numbers to rank 0: one append to the optimizer's log key, which
    does not wait for an answer. Stops once rank 0 has stopped listening to this rank (it gave
    up waiting, or closed)."""
    if chan.rank == 0 or not chan.live:
        return
    chan.published += 1
    if chan.published % STOP_CHECK_EVERY == 1 and chan.store.check([chan.key("stop", chan.rank)]):
        chan.live = []
        return
    append(chan, chan.key("log", opt), report.pack())


def append(chan: Channel, key: str, packed: bytes) -> None:
    """One framed message appended to a log key: no answer awaited."""
    chan.store.append(key, FRAME.pack(len(packed)) + packed)


def gather(chan: Channel, opt: int, it: int, in_step: bool = False) -> tuple[list[Report], list[int]]:
    """Rank 0: the other ranks' reports for (opt, it), waiting at most the timeout; returns
    (reports, ranks given up on now). A rank that closed, or does not report in time, is not
    waited for again; with `in_step` (the ranks train in step) none that never opened its
    exchange is waited for beyond ABSENT_GRACE. Usually two round trips to the store whatever
    the number of ranks: the log read, and emptied if nothing was appended since (see _drain)."""
    if not chan.live:
        return [], []
    start = time.monotonic()
    deadline = start + chan.timeout
    pause = 0.001
    while _missing(chan, opt, it):  # none: read earlier with a later one's
        try:
            _drain(chan, opt)
        except Exception:
            break  # the store is gone: what is here is all there will be
        missing = _missing(chan, opt, it)
        done = [r for r in missing if closed(chan, r)]
        if done:
            # A rank closes after its last report: one appended between the read above and
            # that close is in the log now. Read once more before giving it up.
            try:
                _drain(chan, opt)
            except Exception:
                break
            missing = _missing(chan, opt, it)
        waiting = [r for r in missing if r not in done]
        now = time.monotonic()
        if not waiting or now >= deadline:
            break
        if in_step and now - start >= ABSENT_GRACE and not any(present(chan, r) for r in waiting):
            break  # none of them ever watched: nothing will come
        time.sleep(min(pause, max(0.0, deadline - time.monotonic())))
        pause = min(pause * 2, 0.05)
    got = [chan.inbox.pop((opt, it, r)) for r in list(chan.live) if (opt, it, r) in chan.inbox]
    seen = {g.rank for g in got}
    lost = [r for r in chan.live if r not in seen]
    for key in [k for k in chan.inbox if k[0] == opt and k[1] <= it]:
        del chan.inbox[key]  # reports for iterations rank 0 did not sample, or has passed
    for r in lost:
        chan.live.remove(r)
    _stop(chan, lost)
    return got, lost


def _missing(chan: Channel, opt: int, it: int) -> list[int]:
    """The ranks still listened to whose report for (opt, it) rank 0 has not read."""
    return [r for r in chan.live if (opt, it, r) not in chan.inbox]


def _drain(chan: Channel, opt: int) -> None:
    """Move every report in the optimizer's log into rank 0's inbox and empty the log."""
    for raw in take_log(chan, chan.key("log", opt)):
        rep = Report.unpack(raw)
        chan.inbox[(opt, rep.it, rep.rank)] = rep


def take_log(chan: Channel, key: str) -> list[bytes]:
    """Every frame appended to `key`, the key emptied, losing none appended meanwhile:
    compare_set empties it only while it holds exactly what was read, and otherwise answers
    with what it holds now, which is read in turn."""
    raw = chan.store.compare_set(key, b"", b"")  # the log, never blocking (an absent one is made empty)
    while raw:
        now = chan.store.compare_set(key, raw, b"")
        if now == b"":
            break
        raw = now  # appended to since it was read: the whole of it again, then empty that
    frames, at = [], 0
    while at + FRAME.size <= len(raw):
        (n,) = FRAME.unpack_from(raw, at)
        frames.append(raw[at + FRAME.size : at + FRAME.size + n])
        at += FRAME.size + n
    return frames


def _stop(chan: Channel, which: Sequence[int]) -> None:
    for r in which:
        try:
            chan.store.set(chan.key("stop", r), b"1")
        except Exception:
            pass


def close_channel(chan: Channel | None) -> None:
    """Rank 0 closes: the others stop publishing. Another rank closes: rank 0 can tell a
    rank that finished from one that fell silent."""
    if chan is None:
        return
    try:
        if chan.rank == 0:
            _stop(chan, chan.live)
        else:
            chan.store.set(chan.key("closed", chan.rank), b"1")
    except Exception:
        pass  # the process group is gone already (destroy_process_group before the monitor closed)
    finally:
        chan.live = []
        # Let go of torch.distributed's store now: a store still referenced at interpreter
        # exit can be torn down after its threads' runtime (abort at exit seen under torchrun).
        chan.store = None


def present(chan: Channel, which: int) -> bool:
    """Whether rank `which` opened its exchange (a monitor watches in that process); asked of the
    store until it says yes, then remembered."""
    if which in chan.present:
        return True
    try:
        if chan.store.check([chan.key("present", which)]):
            chan.present.add(which)
            return True
    except Exception:
        pass
    return False


def closed(chan: Channel, which: int) -> bool:
    """Whether rank `which` closed its monitor (its training loop ended)."""
    try:
        return bool(chan.store.check([chan.key("closed", which)]))
    except Exception:
        return False


# ---------------------------------------------------------------- exact fingerprints
_INT_OF_SIZE = {1: torch.int8, 2: torch.int16, 4: torch.int32, 8: torch.int64}


def bit_sum(t: torch.Tensor) -> torch.Tensor:
    """An exact fingerprint of a tensor's bits: the int64 sum of its elements read as integers
    (no rounding, any summation order, wraps on overflow). Equal bits give equal sums on any
    hardware; a single changed bit changes it. A 0-d int64 tensor on t's device."""
    t = t.detach()
    if t.is_sparse or t.numel() == 0:
        return torch.zeros((), dtype=torch.int64, device=t.device)
    if not t.is_contiguous():
        t = t.contiguous()
    as_int = _INT_OF_SIZE.get(t.element_size())
    if t.dtype == torch.bool:
        t = t.to(torch.int8)
    elif as_int is not None and t.dtype != as_int:
        try:
            t = t.view(as_int)
        except RuntimeError:
            t = t.to(torch.float64).view(torch.int64)
    elif as_int is None:  # complex and other wide types
        t = t.reshape(-1).view(torch.int8)
    return torch.sum(t, dtype=torch.int64)
