"""The processes a script starts itself under `torchvitals run`: torch.multiprocessing.spawn and
start_processes (how PyTorch's DDP tutorial starts its ranks). Each process is a fresh Python
that runs one function of the script, beyond the reach of what `torchvitals run` wrapped in its
own process; so the function is handed to `wrap` first and the process runs what `wrap`
returns: a `Worker`, which watches the function inside the new process in a session of that
process's own (run.py's Session). Under torch.distributed each process is a rank: rank 0 prints
the job's diagnosis, and every rank writes into the run directory the script's process named.
"""

from __future__ import annotations

import functools
import os
import sys
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from torchvitals import offline
from torchvitals.config import resolve
from torchvitals.findings import Diagnosis
from torchvitals.ranks import default_name
from torchvitals.record import RunFileError
from torchvitals.terminal import say

# The session of `torchvitals run` in this process while the script runs: a process forked from
# it inherits its wrapped entry points, which the Worker takes away before watching on its own.
ACTIVE: list[Any] = []


def follow(wrap: Callable[[Any], Any]) -> Callable[[], None]:
    """Have every process torch.multiprocessing starts run `wrap(fn)` in place of `fn`; returns
    what puts torch back. `wrap` failing leaves `fn` as it was: never in the way of the script."""
    try:
        import torch.multiprocessing as tmp

        module = sys.modules["torch.multiprocessing.spawn"]
        original = module.start_processes
    except (ImportError, KeyError, AttributeError):
        return lambda: None

    @functools.wraps(original)
    def start_processes(fn: Any, *args: Any, **kwargs: Any) -> Any:
        try:
            fn = wrap(fn)
        except Exception:
            pass
        return original(fn, *args, **kwargs)

    # spawn() calls its module's start_processes; the package re-exports the same function.
    module.start_processes = start_processes
    exported = getattr(tmp, "start_processes", None) is original
    if exported:
        tmp.start_processes = start_processes

    def undo() -> None:
        module.start_processes = original
        if exported:
            tmp.start_processes = original

    return undo


@dataclass
class Worker:
    """What a started process runs (pickled into it): `fn`, watched by `session(...)`, an
    instance of the session class of `torchvitals run` (run.Session), made in the new process."""

    fn: Any
    session: Any
    script: str
    options: dict[str, Any]

    def __call__(self, index: int, *args: Any) -> Any:
        session = self._start()
        if session is None:
            return self.fn(index, *args)
        try:
            return self.fn(index, *args)
        except BaseException as exc:
            session.error = f"{type(exc).__name__}: {exc}"
            raise
        finally:
            _quietly("closing", session.uninstall, session.close)

    def _start(self) -> Any:
        """The process's session, watching; None (the function then runs unwatched, as it would
        without torchvitals) when it cannot be started."""
        try:
            for inherited in ACTIVE:  # forked: the parent's wrapped entry points came along
                inherited.uninstall()
            session = self.session(script=self.script, options=self.options, tells=False, worker=True)
            session.install()
            return session
        except Exception as exc:
            say(sys.stderr, f"torchvitals: watching a started process failed ({type(exc).__name__}: {exc}); it runs unwatched")
            return None


def _quietly(what: str, *steps: Callable[[], Any]) -> None:
    for step in steps:
        try:
            step()
        except Exception as exc:
            say(sys.stderr, f"torchvitals: {what} a started process's watch failed ({type(exc).__name__}: {exc})")


def job_options(options: dict[str, Any]) -> tuple[dict[str, Any], str | None]:
    """The options every started process watches with, and their run directory: one name for
    all of them (as `torchvitals run --nproc` names a torchrun job's)."""
    opts = resolve(**options)
    name = opts.name or default_name()
    return {**options, "name": name}, (os.path.join(opts.out, name) if opts.out else None)


def job_diagnosis(run_dir: str | None, error: str | None) -> Diagnosis:
    """The job the started processes ran, read back from their run directory (rank 0 printed
    it); not judged when there is no record to read."""
    started = "the script ran its training in processes it started with torch.multiprocessing"
    if run_dir is None:
        return Diagnosis(judged=False, not_judged=f"{started}, with no run directory to write to (out='')", stopped=error)
    if not os.path.isdir(run_dir):
        why = f"{started}, and none of them made a torch.optim optimizer (nothing was written to {run_dir})"
        return Diagnosis(judged=False, not_judged=why, stopped=error)
    try:
        return offline.diagnose(run_dir)
    except RunFileError as exc:
        return Diagnosis(judged=False, not_judged=f"{started}, and their record could not be read ({exc})", stopped=error)
