"""DataLoader timing: time spent waiting for each batch vs time spent working on it.

A `LoaderProbe` measures and reports; it never judges (rules/data.py, TV401 `input-bound`,
reads its `dataloader` events). Per pass over a loader it counts:

  wait        seconds inside the iterator's `__next__` (the batch being loaded), from the
              second batch on
  first_wait  the first batch's wait, kept apart (worker start-up, not the steady state)
  work        seconds between one batch being handed out and the next being asked for
  batches     batches whose wait is counted (all but the first)
  steps       backward passes while the pass ran (0: an evaluation loader, not training)
  dist_sampler  a DistributedSampler's epoch, shuffle, rank and num_replicas as the pass
              started (probes/samplers.py; TV703 tells from it whether set_epoch() was called)

and reports them through the owner's `emit(kind, **fields)` (`Monitor.event`) when the pass
ends, or, for a pass still running, when the owner closes the probe.

For a loader with workers it also hands over a `loader-randomness` event at the start of its
first pass and of its second (probes/worker_rng.py: does the Dataset's randomness repeat across
workers, across epochs?), when the owner's `rng_check()` says yes; rules/randomness.py (TV605
`repeated-randomness`) reads them.

Which loaders are timed: `DataLoader.__iter__` is replaced on the class while at least one
probe holds it, and put back when the last one lets go (nothing is set on a loader). Each
`iter(loader)` goes to one probe, the first of:

  1. an exclusive probe (`torchvitals run`'s session: it times every loader of the script),
     the most recent one;
  2. a probe that was given this loader (`Monitor.watch_loader(loader)`), the most recent one;
  3. an automatic probe (every live monitor holds one), the most recently created: the
     simplest honest guess at which monitor's model the batches feed.

Anything the probe itself fails at is handed to the owner's `fail(what, exc)` and never
reaches the training loop; the batches are always the ones the loader gives.
"""

from __future__ import annotations

import threading
import time
import weakref
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import torch
from torch.utils.data import DataLoader

from torchvitals.names import unnamed_loader, variable_name
from torchvitals.probes import worker_rng
from torchvitals.probes.handed import HANDED, first_rows
from torchvitals.probes.samplers import dist_sampler

Emit = Callable[..., None]


@dataclass
class LoaderTiming:
    """Seconds spent waiting for batches vs working on them, for one DataLoader."""

    name: str
    num_workers: int
    pin_memory: bool
    batch_size: int | None
    wait: float = 0.0
    work: float = 0.0
    batches: int = 0
    first_wait: float = 0.0  # the first batch of each pass (worker start-up), kept apart
    steps: int = 0  # backward passes while iterating it (0: not a training loader)
    trained: bool = False  # some pass of it saw backward passes (kept across the passes' reports)
    dist_sampler: dict[str, Any] | None = None  # the DistributedSampler as the pass started
    rng_checked: bool = False  # the worker-randomness experiment ran (once per loader)
    rng_first: list[str] | None = None  # its worker 0's fingerprints, until the second pass checks epochs
    rng_ended: bool = False  # the pass that took them ran to its end (a whole epoch, not a peek)
    data: Any = None  # a weak reference to its dataset, None where it has none that can be referred to
    content: str | None = None  # its dataset's content fingerprint, where it has one (a Hugging Face Dataset)
    end_serial: int = 0  # HANDED.serial of the last batch of its latest pass that ran to its end

    def same_data(self, other: LoaderTiming) -> bool:
        """Whether two loaders read the same dataset: the same object (a trainer that makes a
        new DataLoader for every evaluation over one eval dataset), or, for a Hugging Face
        `datasets.Dataset`, the same content (the Trainer hands each evaluation a new copy
        without the columns the model does not take; copies made the same way from the same
        dataset have the same fingerprint)."""
        if self.content is not None and self.content == other.content:
            return True
        mine = self.data() if self.data is not None else None
        return mine is not None and other.data is not None and mine is other.data()


def _content(loader: Any) -> str | None:
    """The content fingerprint of a loader's Hugging Face `datasets.Dataset` (its
    `_fingerprint`: a hash of the data and of every transform that made it), None for others."""
    fp = getattr(getattr(loader, "dataset", None), "_fingerprint", None)
    return fp if isinstance(fp, str) and fp else None


def _dataset_ref(loader: Any) -> Any:
    """A weak reference to the loader's dataset; None without one, or one that cannot be referred to."""
    ds = getattr(loader, "dataset", None)
    try:
        return None if ds is None else weakref.ref(ds)
    except TypeError:  # an object without weak references
        return None


class LoaderProbe:
    """Times the passes over the DataLoaders that come to it (see the module's docstring).

    `emit(kind, **fields)` receives each `dataloader` event; `backward_passes()` says how many
    backward passes the owner has seen so far; `fail(what, exc)` is told what failed (it must
    not raise). `stop_on_failure` switches the probe off at its first failure (a monitor's
    probes do); otherwise each failure costs only that measurement. `on_start(key)` is called
    before each pass over a loader (`key`: see key()) and `on_end(key, backward_at_start)`
    when a pass has run to its end, before its timing is reported: `torchvitals run` turns the
    training loader's passes into epochs with them.
    """

    def __init__(
        self,
        emit: Emit,
        backward_passes: Callable[[], int],
        fail: Callable[[str, BaseException], None] | None = None,
        *,
        stop_on_failure: bool = False,
        on_start: Callable[[int], None] | None = None,
        on_end: Callable[[int, int], None] | None = None,
        rng_check: Callable[[], bool] | None = None,
    ) -> None:
        self._emit = emit
        self._backward_passes = backward_passes
        self._fail = fail
        self._stop_on_failure = stop_on_failure
        self.on_start = on_start
        self.on_end = on_end
        self._rng_check = rng_check
        self.loaders: dict[int, LoaderTiming] = {}
        self._keys: weakref.WeakKeyDictionary[Any, int] = weakref.WeakKeyDictionary()  # see key()
        self._serial = 0
        self.active: int | None = None  # key of the loader whose batch was handed out last
        self.active_backward0 = 0  # backward passes when that loader's current pass began
        # ... and of the loader whose pass ended last, until another hands out a batch: a
        # wrapper that fetches one batch ahead (Accelerate's) ends the pass before its last
        # batch reaches the model.
        self.ended: int | None = None
        self.off = False  # closed, or switched off by a failure: batches pass straight through
        self.exclusive = False
        self.auto = False
        self._watched: dict[int, weakref.ref[Any]] = {}
        self._holding = False
        self._open: weakref.WeakSet[_TimedIter] = weakref.WeakSet()  # passes not ended, iterator alive
        self.on_batch: Callable[[int], None] | None = None  # told each batch's loader, when set

    # ------------------------------------------------------------------ the owner's side
    def time_all(self, exclusive: bool = False) -> None:
        """Time the loaders iterated from now on that no other probe takes first (see the
        module's docstring); `exclusive`: every loader, whichever probe was given it."""
        if self.off:
            return
        self.auto = True
        self.exclusive = exclusive
        self._hold()

    def watch(self, loader: Any) -> Any:
        """Time this loader's passes here even when a later probe times loaders automatically.
        Returns the loader itself, unchanged."""
        if not isinstance(loader, DataLoader):
            raise TypeError(f"watch_loader() expects a torch.utils.data.DataLoader, got {type(loader).__name__}")
        if not self.off:
            self._watched[id(loader)] = weakref.ref(loader)
            self._hold()
        return loader

    def watches(self, loader: Any) -> bool:
        ref = self._watched.get(id(loader))
        return ref is not None and ref() is loader

    def flush(self) -> None:
        """Report every loader's pass still running (a loop that stopped with `break`)."""
        for t in list(self.loaders.values()):
            self._guard("timing a DataLoader", lambda t=t: self.report(t))

    def close(self) -> None:
        """Report what is pending and let go of `DataLoader.__iter__`; iterators still running
        pass their batches straight through from now on."""
        if not self.off:
            self.flush()
        self.off = True
        self._release()

    def report(self, t: LoaderTiming) -> None:
        """Hand one loader's timing since its last report to the owner and start it afresh."""
        if t.batches:
            self._emit(
                "dataloader",
                loader=t.name,
                wait=round(t.wait, 4),
                work=round(t.work, 4),
                batches=t.batches,
                steps=t.steps,
                first_wait=round(t.first_wait, 4),
                num_workers=t.num_workers,
                pin_memory=t.pin_memory,
                batch_size=t.batch_size,
                cuda=torch.cuda.is_available(),
                **({"dist_sampler": t.dist_sampler} if t.dist_sampler is not None else {}),
            )
        t.wait = t.work = t.first_wait = 0.0
        t.batches = t.steps = 0
        t.dist_sampler = None

    def key(self, loader: Any) -> int:
        """The loader's key, never another's: an id() is reused by a loader made where a freed one
        was (makemore's evaluate() makes one per dataset). id() where no weak reference can be."""
        try:
            key = self._keys.get(loader)
            if key is None:
                self._serial += 1
                key = self._keys[loader] = self._serial
            return key
        except TypeError:  # unhashable, or without weak references
            return id(loader)

    # ------------------------------------------------------------------ the loader's side
    def iterate(self, loader: Any, original: Callable[[Any], Any]) -> Any:
        """`original(loader)` (the loader's own `__iter__`), timed when the probe is on."""
        key = self.key(loader)
        if self.on_start is not None and not self.off:
            self._guard("starting a DataLoader pass", lambda: self.on_start(key))  # type: ignore[misc]
        it = original(loader)
        if self.off:
            return it
        timing = self._guard("timing a DataLoader", lambda: self.timing(loader))
        backward0 = self._guard("timing a DataLoader", self._backward_passes)
        if timing is None or backward0 is None:
            return it
        if (not timing.rng_checked or timing.rng_first is not None) and timing.num_workers > 0:
            self._guard("testing a DataLoader's worker randomness", lambda: self.check_rng(loader, timing))
        timed = _TimedIter(it, timing, self, key, backward0, loader)
        self._open.add(timed)
        return timed

    def read_beside(self, key: int, backward: int) -> set[int]:
        """The other loaders read side by side with loader `key`: a pass of theirs still open
        (its iterator alive) that handed out a batch after the last batch of `key`'s latest
        complete pass, with backward passes since it began (`backward`: the count now)."""
        t = self.loaders.get(key)
        end = t.end_serial if t is not None else 0
        return {p._key for p in list(self._open) if p._key != key and p.serial > end and backward > p._backward0}

    def training_open(self, key: int, backward: int) -> bool:
        """Whether a pass over loader `key` with backward passes since it began is still open."""
        return any(p._key == key and backward > p._backward0 for p in list(self._open))

    def timing(self, loader: Any) -> LoaderTiming:
        key = self.key(loader)
        if key not in self.loaders:
            self.loaders[key] = LoaderTiming(
                name=variable_name(loader) or unnamed_loader(loader, len(self.loaders)),
                num_workers=int(getattr(loader, "num_workers", 0) or 0),
                pin_memory=bool(getattr(loader, "pin_memory", False)),
                batch_size=getattr(loader, "batch_size", None),
                data=_dataset_ref(loader),
                content=_content(loader),
            )
        return self.loaders[key]

    def check_rng(self, loader: Any, t: LoaderTiming) -> None:
        """Once per loader with workers, when its first pass has started its workers: whether
        its Dataset's randomness repeats across workers or epochs (probes/worker_rng.py), as a
        `loader-randomness` event. `rng_check()` says whether to (an owner without a monitor
        yet, or with the experiment switched off, says no and a later pass asks again)."""
        if self._rng_check is None or not self._rng_check():
            return
        if t.rng_first is not None:  # the second pass: do this epoch's workers replay the first's?
            first, t.rng_first = t.rng_first, None
            if t.rng_ended:  # after a peek (next(iter(loader)) and break) the epochs are not told apart
                self._emit("loader-randomness", loader=t.name, **worker_rng.confirm_epochs(loader, first))
            return
        t.rng_checked = True
        found = worker_rng.measure(loader)
        if found is not None:
            first = found.pop("_first", None)
            if found.get("distinct", 0) > 1 and not found["persistent_workers"]:
                t.rng_first = first
            self._emit("loader-randomness", loader=t.name, **found)

    def pass_ended(self, t: LoaderTiming, key: int, backward0: int) -> None:
        self.active = None
        self.ended = key
        t.rng_ended = t.rng_first is not None
        done = self._guard("timing a DataLoader", self._backward_passes)
        if done is not None:
            t.steps += done - backward0
            t.trained = t.trained or done > backward0
        if self.on_end is not None:
            self._guard("ending a DataLoader pass", lambda: self.on_end(key, backward0))  # type: ignore[misc]
        self._guard("timing a DataLoader", lambda: self.report(t))

    # ------------------------------------------------------------------ safety
    def _guard(self, what: str, fn: Callable[[], Any]) -> Any:
        try:
            return fn()
        except Exception as exc:
            if self._stop_on_failure:
                self.off = True
                self._release()
            if self._fail is not None:
                try:
                    self._fail(what, exc)
                except Exception:
                    pass
            return None

    def _hold(self) -> None:
        if not self._holding:
            self._holding = True
            _hold(self)

    def _release(self) -> None:
        if self._holding:
            self._holding = False
            _release(self)


class _TimedIter:
    """Wraps a DataLoader iterator: time in __next__ is waiting, time between calls is work."""

    def __init__(self, it: Any, timing: LoaderTiming, probe: LoaderProbe, key: int, backward0: int, loader: Any) -> None:
        self._it = it
        self._loader = loader  # the iterator holds it anyway; read for its sampler at the first batch
        self._t = timing
        self._probe = probe
        self._key = key
        self._last: float | None = None
        self._n = 0
        self._backward0 = backward0
        self._len: int | None = None
        self.serial = 0  # HANDED.serial of its latest batch

    def __iter__(self) -> _TimedIter:
        return self

    def __next__(self) -> Any:
        probe = self._probe
        if probe.off:
            return next(self._it)
        start = time.perf_counter()
        if self._last is not None:
            self._t.work += start - self._last
        probe.active = self._key
        probe.active_backward0 = self._backward0
        probe.ended = None
        if self._n == 0:
            # The sampler reads its epoch when the first batch is asked for (in a worker
            # loader, already in iter()): read it here, before the batch, so that a
            # set_epoch() between iter() and the first batch counts as the user meant it.
            self._t.dist_sampler = dist_sampler(self._loader)
            self._len = _length(self._it)
        try:
            batch = next(self._it)
        except StopIteration:
            self._t.end_serial = self.serial
            probe._open.discard(self)
            probe.pass_ended(self._t, self._key, self._backward0)
            raise
        HANDED.serial += 1
        self.serial = HANDED.serial
        if probe.on_batch is not None:
            probe._guard("ending an epoch", lambda: probe.on_batch(self._key))  # type: ignore[misc]
        HANDED.batch_size = self._t.batch_size
        HANDED.last = self._len is None or self._n + 1 >= self._len
        if HANDED.loader is None or HANDED.loader() is not self._loader:
            HANDED.loader = weakref.ref(self._loader)
        end = time.perf_counter()
        HANDED.rows = first_rows(batch) if HANDED.last else None  # after the clock: not the loader's time
        if self._n == 0:
            self._t.first_wait += end - start
        else:
            self._t.wait += end - start
            self._t.batches += 1
        self._n += 1
        self._last = end
        return batch

    def __len__(self) -> int:
        return len(self._it)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._it, name)


def _length(it: Any) -> int | None:
    """Batches in this pass (None for an iterable dataset without a length: every batch may be
    the last, partial one)."""
    try:
        return int(len(it))
    except Exception:
        return None


# ---------------------------------------------------------------------- the class-level tap

_lock = threading.Lock()
_holders: tuple[LoaderProbe, ...] = ()  # in the order they took hold
_patched: list[Any] = [None, None]  # the __iter__ we replaced, our wrapper


def _owner(loader: Any) -> LoaderProbe | None:
    holders = _holders
    for p in reversed(holders):
        if p.exclusive:
            return p
    for p in reversed(holders):
        if p.watches(loader):
            return p
    for p in reversed(holders):
        if p.auto:
            return p
    return None


def _make_wrapper(original: Callable[[Any], Any]) -> Callable[[Any], Any]:
    def __iter__(loader: Any) -> Any:
        probe = None
        if _patched[1] is __iter__:  # a wrapper left under someone else's patch does nothing
            try:
                probe = _owner(loader)
            except Exception:
                probe = None
        if probe is None or probe.off:
            return original(loader)
        return probe.iterate(loader, original)

    __iter__.__wrapped__ = original  # type: ignore[attr-defined]
    __iter__.__torchvitals_tap__ = True  # type: ignore[attr-defined]
    return __iter__


def _hold(probe: LoaderProbe) -> None:
    global _holders
    with _lock:
        _holders = (*_holders, probe)
        current = vars(DataLoader).get("__iter__")
        if _patched[1] is None or current is not _patched[1]:
            if getattr(current, "__torchvitals_tap__", False):  # ours, left behind: unwrap it
                current = current.__wrapped__
            _patched[0] = current
            _patched[1] = _make_wrapper(current)
            DataLoader.__iter__ = _patched[1]  # type: ignore[method-assign]


def _release(probe: LoaderProbe) -> None:
    global _holders
    with _lock:
        _holders = tuple(p for p in _holders if p is not probe)
        if _holders or _patched[1] is None:
            return
        # Put the original back only if nobody replaced our wrapper since; otherwise the
        # wrapper stays under theirs and passes every call straight through.
        if vars(DataLoader).get("__iter__") is _patched[1]:
            DataLoader.__iter__ = _patched[0]  # type: ignore[method-assign]
        _patched[0] = _patched[1] = None


def attach_loader_probe(monitor: Any, fail: Callable[[BaseException], None] | None = None) -> LoaderProbe:
    """A monitor's automatic probe: every DataLoader iterated while the monitor lives (and no
    later monitor or `torchvitals run` takes it first) is timed for it, through its public
    `event` and `backward_passes`. Switched off at its first failure, which `fail(exc)` is told.
    The monitor calls `close()` on it before it closes itself (pending passes are reported).

    The probe holds the monitor weakly (the tap holds the probe until it is closed): a monitor
    and model the script drops are freed by reference counting alone, as without the probe.
    """
    ref = weakref.ref(monitor)

    def emit(kind: str, **fields: Any) -> None:
        mon = ref()
        if mon is not None:
            mon.event(kind, **fields)

    def backward_passes() -> int:
        mon = ref()
        return mon.backward_passes() if mon is not None else 0

    def failed(what: str, exc: BaseException) -> None:
        if fail is not None:
            fail(exc)

    def rng_check() -> bool:
        mon = ref()
        return mon is not None and bool(getattr(mon.opts, "loader_rng", True))

    probe = LoaderProbe(emit, backward_passes, failed, stop_on_failure=True, rng_check=rng_check)
    probe.time_all()
    return probe


def active_batch_size() -> int | None:
    """The batch_size of the DataLoader whose batch was handed out last (by any probe that
    holds the loaders), None when no timed loader is being iterated or it has none."""
    for p in reversed(_holders):
        t = p.loaders.get(p.active) if p.active is not None else None
        if t is not None and isinstance(t.batch_size, int):
            return t.batch_size
    return None


def holders() -> int:
    """How many probes hold `DataLoader.__iter__` now (for tests and diagnostics)."""
    return len(_holders)


__all__ = ["LoaderProbe", "LoaderTiming", "active_batch_size", "attach_loader_probe", "dist_sampler", "holders"]
