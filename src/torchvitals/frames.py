"""Reading the variables of the script's running functions without keeping them alive."""

from __future__ import annotations

import inspect
import sys
from types import FrameType
from typing import Any


def frame_locals(frame: FrameType) -> dict[str, Any]:
    """A copy of a running function's locals that leaves nothing behind on its frame. Before
    Python 3.13 `frame.f_locals` fills a dict the frame keeps until it returns (or the next read):
    a tensor the function deletes after this read (the first batch's outputs) would stay alive.
    That dict is emptied again when nothing but the frame holds it (the next read fills it
    again); one the function or a debugger holds (its own `locals()`) is left as it is."""
    snapshot = frame.f_locals
    copy = dict(snapshot)
    function = frame.f_code.co_flags & inspect.CO_OPTIMIZED  # a class body's f_locals is its namespace
    if sys.version_info < (3, 13) and function and sys.getrefcount(snapshot) <= _HELD_BY_FRAME_ONLY:
        snapshot.clear()
    return copy


# References to a function's f_locals dict when only its frame holds it: the frame, the name
# `snapshot` above, and getrefcount's argument.
_HELD_BY_FRAME_ONLY = 3


__all__ = ["frame_locals"]
