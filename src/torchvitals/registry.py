"""The live monitors, kept alive until closed even when the caller drops the object `watch`
returned (the hooks only hold weak references). A monitor closes by itself when its optimizers
are garbage-collected, and every live monitor closes at interpreter exit. Kept below the
monitor package so that guards and checks can find a model's monitor without importing it."""

from __future__ import annotations

import atexit
import sys
from typing import Any

from torchvitals.wrapped import unwrap

LIVE: dict[int, Any] = {}  # id(monitor) → monitor


def monitor_for(obj: Any) -> Any:
    """The live monitor watching `obj`: one of its optimizers, one of its root models, or a
    sub-module or parameter of one. None when nothing watches it."""
    obj = unwrap(obj)
    return next((mon for mon in list(LIVE.values()) if mon.watches(obj)), None)


def release(key: int) -> None:
    mon = LIVE.get(key)
    if mon is not None:
        try:
            mon.close()
        except Exception:
            LIVE.pop(key, None)


def release_orphan(key: int) -> None:
    """An optimizer was collected: it stops counting (a script that makes a new optimizer every
    epoch zeroes the model's gradients for the new one only), and the monitor closes once none
    of its optimizers is left."""
    mon = LIVE.get(key)
    if mon is None:
        return
    mon.retire_collected()
    if mon.auto_close and mon.all_optimizers_gone():
        release(key)


@atexit.register
def _close_all() -> None:
    # The interpreter is exiting; after an uncaught exception Python keeps it in sys.last_value.
    err = getattr(sys, "last_value", None)
    for key in list(LIVE):
        if isinstance(err, BaseException) and key in LIVE and not isinstance(err, SystemExit):
            LIVE[key].stopped_by(err)
        release(key)
