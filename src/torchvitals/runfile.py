"""Reading run.jsonl safely: only a regular file, at most MAX_RUN_BYTES of it, each line bounded
in length, nesting and number size before it is parsed, so that no file, however hostile, can
make the reader hang, exhaust memory, recurse or raise.

`records` yields one parsed object per good line and counts every other line by the reason it
was skipped; `record.read_run` turns the records into a History and the counts into notes.
"""

from __future__ import annotations

import json
import os
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from itertools import accumulate
from pathlib import Path
from typing import Any, BinaryIO

from torchvitals import regular_file

# A run of a large model at every=1 writes a few KB per step; 512 MiB holds hundreds of
# thousands of steps. Past it the rest of the file is not read, and a note says so.
MAX_RUN_BYTES = 512 * 2**20
# The longest record torchvitals writes is the header of a model with many parameter tensors
# (about 200 bytes each); 16 MiB holds 80,000 of them. A longer line is skipped unparsed.
MAX_LINE_BYTES = 16 * 2**20
# Records nest at most 6 deep (a finding event's evidence); json.loads recurses once per level.
MAX_DEPTH = 64
# Integers longer than this are read as floats: no integer field of the schema holds one, and
# int() of thousands of digits raises (sys.int_info.str_digits_check_threshold).
MAX_INT_DIGITS = 18

_READ_CHUNK = 2**20
# A \uXXXX escape of a surrogate: json.loads turns a lone one into a str no terminal, file or
# encoder accepts (UnicodeEncodeError on print). Only lines holding one are scrubbed.
_SURROGATE_ESCAPE = re.compile(r"\\u[dD][89abcdefABCDEF]")
_STRING = re.compile(r'"[^"]*"')  # once escapes are gone: [^"]* cannot backtrack past a quote
_BRACKET = re.compile(r"[\[\]{}]")
_DEPTH_STEP = {"[": 1, "{": 1, "]": -1, "}": -1}


class RunFileError(Exception):
    """run.jsonl is missing, unreadable or not a torchvitals record (a usage/input error, exit 2)."""


@dataclass
class Skipped:
    """Lines not turned into records, by reason, and what else the reader noticed."""

    reasons: dict[str, int] = field(default_factory=dict)
    truncated_last: bool = False  # the last line does not parse (the run ended mid-write)
    capped: bool = False  # the file goes on past the byte cap; the rest was not read

    def add(self, reason: str) -> None:
        self.reasons[reason] = self.reasons.get(reason, 0) + 1

    @property
    def total(self) -> int:
        return sum(self.reasons.values())


def open_regular(p: Path) -> tuple[BinaryIO, int]:
    """Open `p` for reading if it is (or links to) a regular file; its handle and size
    (regular_file.py: a FIFO or a device is never read)."""
    try:
        fd, size = regular_file.open_regular(p)
    except regular_file.NotRegular as exc:
        raise RunFileError(f"{p}: is {exc.kind}, not a regular file; torchvitals reads only a run.jsonl file") from None
    except (OSError, ValueError) as exc:
        raise RunFileError(f"{p}: cannot read: {getattr(exc, 'strerror', None) or exc}") from None
    return os.fdopen(fd, "rb"), size


def too_deep(line: str, limit: int = MAX_DEPTH) -> bool:
    """Does the JSON text nest arrays/objects more than `limit` deep? Brackets inside strings
    do not count. Linear in the line's length and without recursion or a Python loop per
    character: escapes are dropped first, so that no string holds a quote, then the strings."""
    if line.count("[") + line.count("{") <= limit:
        return False
    bare = _STRING.sub("", line.replace("\\\\", "").replace('\\"', ""))
    return max(accumulate(map(_DEPTH_STEP.__getitem__, _BRACKET.findall(bare))), default=0) > limit


def _int(text: str) -> int | float:
    if len(text) > MAX_INT_DIGITS:
        return float(text)  # never raises: beyond the double range it is inf
    return int(text)


def _scrub(x: Any) -> Any:
    """`x` with every lone surrogate in its strings replaced by U+FFFD (depth is bounded)."""
    if isinstance(x, str):
        return x.encode("utf-16", "surrogatepass").decode("utf-16", "replace")
    if isinstance(x, list):
        return [_scrub(v) for v in x]
    if isinstance(x, dict):
        return {_scrub(k): _scrub(v) for k, v in x.items()}
    return x


class _TooDeep(ValueError):
    pass


def parse_line(line: str) -> Any:
    """One JSON value, or raises ValueError (json.JSONDecodeError is one)."""
    if too_deep(line):
        raise _TooDeep
    value = json.loads(line, parse_int=_int)
    return _scrub(value) if _SURROGATE_ESCAPE.search(line) else value


def _lines(fh: BinaryIO, skipped: Skipped, max_bytes: int, max_line: int) -> Iterator[tuple[bytes, bool]]:
    """(line, is_last) for every line within the first `max_bytes`; over-long lines are counted
    in `skipped` and not returned; a line cut by the byte cap is dropped and `skipped.capped`
    set when anything was left unread."""
    left = max_bytes
    pending: bytes | None = None
    while left > 0:
        raw = fh.readline(min(max_line + 1, left))
        if not raw:
            break
        left -= len(raw)
        if len(raw) > max_line:  # over the limit: skip to the line's end without keeping it
            while not raw.endswith(b"\n") and left > 0:
                raw = fh.readline(min(_READ_CHUNK, left))
                if not raw:
                    break
                left -= len(raw)
            skipped.add(f"longer than {size_text(max_line)}")
            continue
        if pending is not None:
            yield pending, False
        pending = raw
    if left <= 0 and fh.read(1):
        skipped.capped = True
        if pending is not None and not pending.endswith(b"\n"):
            pending = None  # cut by the byte cap: part of what was not read
    if pending is not None:
        yield pending, True


def records(
    fh: BinaryIO, skipped: Skipped, max_bytes: int = MAX_RUN_BYTES, max_line: int = MAX_LINE_BYTES
) -> Iterator[dict[str, Any]]:
    """Every line of `fh` that is a JSON object within the limits; the others are counted in
    `skipped` by reason. A last line that does not parse is a truncation, not corruption."""
    for raw, last in _lines(fh, skipped, max_bytes, max_line):
        line = raw.decode("utf-8", errors="replace")
        if not line.strip():
            continue
        try:
            rec = parse_line(line)
        except _TooDeep:
            skipped.add(f"nested deeper than {MAX_DEPTH}")
            continue
        except (ValueError, RecursionError):
            if last:
                skipped.truncated_last = True
            else:
                skipped.add("not JSON")
            continue
        if not isinstance(rec, dict):
            skipped.add("not a JSON object")
            continue
        yield rec


def size_text(n: int) -> str:
    """A byte count for a message (512 MiB)."""
    for unit, scale in (("GiB", 2**30), ("MiB", 2**20), ("KiB", 2**10)):
        if n >= scale:
            return f"{n / scale:.4g} {unit}"
    return f"{n} bytes"
