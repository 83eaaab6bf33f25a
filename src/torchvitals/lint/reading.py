"""Reading a file the linter was pointed at, safely: only regular files, only up to a size.

A FIFO named `pipe.py` would block a plain `open()` forever, a `zero.py` link to `/dev/zero`
would be read until memory runs out, and a multi-megabyte generated file is not a training
script anyone wrote. Such files are reported (TVL000), never read.
"""

from __future__ import annotations

import os

from torchvitals.regular_file import NotRegular, open_regular

# A source file over this size is reported as "too large to lint" and not read. 2 MiB is
# about 50,000 lines, far beyond any hand-written training script; lint time is linear in size
# (about 2-3 s per MiB), so the cap bounds the time and memory one file can cost.
MAX_SOURCE_BYTES = 2 * 1024 * 1024
# A notebook carries its outputs (plots as base64, tables) beside its code, so the file may be
# much larger than the code in it; the code cells joined are held to MAX_SOURCE_BYTES.
MAX_NOTEBOOK_BYTES = 32 * 1024 * 1024

class Unreadable(Exception):
    """A file that is not read: not a regular file, too large, or failing to open."""


def read_text(path: str, limit: int = MAX_SOURCE_BYTES) -> str:
    """The text of a regular file of at most `limit` bytes (UTF-8, undecodable bytes replaced,
    newlines translated as text mode does). Raises Unreadable with a one-line reason otherwise.

    The file is opened non-blocking and checked on the open descriptor, so a FIFO (or a file
    swapped for one after a check) never blocks, and a device is never read."""
    try:
        fd, st_size = open_regular(path)
    except NotRegular as exc:
        raise Unreadable(f"not a regular file ({exc.kind}): not read") from None
    except (OSError, ValueError) as exc:
        raise Unreadable(f"cannot read: {getattr(exc, 'strerror', None) or exc}") from None
    try:
        if st_size > limit:
            raise Unreadable(too_large(st_size, limit))
        chunks, size = [], 0
        while size <= limit:  # the size may have changed since fstat: never read past the limit
            chunk = os.read(fd, min(1 << 20, limit + 1 - size))
            if not chunk:
                break
            chunks.append(chunk)
            size += len(chunk)
    except OSError as exc:
        raise Unreadable(f"cannot read: {exc.strerror or exc}") from None
    finally:
        os.close(fd)
    if size > limit:
        raise Unreadable(too_large(size, limit))
    text = b"".join(chunks).decode("utf-8", errors="replace")
    return text.replace("\r\n", "\n").replace("\r", "\n") if "\r" in text else text


def too_large(size: int, limit: int) -> str:
    return f"too large to lint ({size:,} bytes; the limit is {limit:,}): not read"
