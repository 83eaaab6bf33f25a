"""Text from the user's code or from a file, made safe to print on a terminal.

Module and parameter names, file names, exception messages and values read from a run file
can hold control characters (an ANSI escape that clears the screen or retitles the terminal,
a carriage return that overwrites a line, a bidirectional override that reorders it). Every
console path passes such text through `printable`; JSON and SARIF keep the exact text.
"""

from __future__ import annotations

import re
from typing import TextIO

# C0 controls and DEL, C1 controls, and the bidirectional overrides and isolates.
_UNSAFE = re.compile("[\x00-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")
_UNSAFE_KEEP_LINES = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")


def _escape(m: re.Match[str]) -> str:
    c = ord(m.group())
    return f"\\x{c:02x}" if c < 0x100 else f"\\u{c:04x}"


def printable(text: object, keep_lines: bool = False) -> str:
    """`text` with every control character shown escaped (ESC as \\x1b).

    keep_lines=True keeps newlines and tabs, for a message this program laid out over
    several lines; a name or a one-line field is printed with keep_lines=False."""
    pattern = _UNSAFE_KEEP_LINES if keep_lines else _UNSAFE
    return pattern.sub(_escape, str(text))


def say(stream: TextIO, line: str) -> None:
    """Print one line, flushed, with control characters shown escaped (a newline in it too):
    the one way torchvitals writes a line to the console. A closed or broken stream must not
    break training: the line is dropped."""
    try:
        print(printable(line), file=stream, flush=True)
    except Exception:
        pass


class Once:
    """The keys already told, so that each thing is said once: `first(key)` is True the first
    time `key` is seen and False after."""

    def __init__(self) -> None:
        self._seen: set[str] = set()

    def first(self, key: str) -> bool:
        if key in self._seen:
            return False
        self._seen.add(key)
        return True
