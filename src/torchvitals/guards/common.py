"""What every guard shares: its tagged stderr line, the run-record event, its knobs."""

from __future__ import annotations

import math
import sys
import warnings
from typing import Any

from torchvitals.config import ENV_PREFIX, from_env
from torchvitals.registry import monitor_for
from torchvitals.terminal import say


def _say(line: str) -> None:
    """One tagged line on stderr (read at call time), flushed: guards are read with grep on
    live logs. Names and exception messages in it are shown with control characters escaped."""
    say(sys.stderr, line)


def _event(obj: Any, kind: str, **fields: Any) -> None:
    """Count an intervention in the run record of the monitor watching `obj`, if any."""
    try:
        mon = monitor_for(obj)
        if mon is not None:
            k = mon.optimizer_index(obj)
            if k is not None:
                fields.setdefault("opt", k)
            mon.event(kind, **fields)
    except Exception:
        pass


def _env_float(name: str, default: float) -> float:
    """TORCHVITALS_<NAME> as a non-negative finite float; malformed → warning and `default`."""
    value = from_env(name, float(default), stacklevel=4)
    if value < 0:
        warnings.warn(f"torchvitals: ignoring {ENV_PREFIX}{name}={value!r} (negative); using {default}", stacklevel=3)
        return default
    return value


def _fmt(x: float) -> str:
    return f"{x:.3e}" if math.isfinite(x) else str(x)
