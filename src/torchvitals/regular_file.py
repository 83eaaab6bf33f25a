"""Opening a file only if it is a regular one, for the two readers of files a user names
(`torchvitals diagnose` reading run.jsonl, `torchvitals lint` reading sources).

A FIFO would block a plain open() until a writer comes, and a device such as /dev/zero never
ends. The file is opened non-blocking (a FIFO opens at once) and checked on the open
descriptor, so a path swapped for something else between a check and the open is caught too.
"""

from __future__ import annotations

import os
import stat

_KINDS = (
    (stat.S_ISDIR, "a directory"),
    (stat.S_ISFIFO, "a FIFO"),
    (stat.S_ISCHR, "a character device"),
    (stat.S_ISBLK, "a block device"),
    (stat.S_ISSOCK, "a socket"),
)


class NotRegular(Exception):
    """The path is not a regular file; `kind` says what it is ("a FIFO", ...)."""

    def __init__(self, kind: str) -> None:
        super().__init__(kind)
        self.kind = kind


def kind_of(mode: int) -> str:
    return next((name for test, name in _KINDS if test(mode)), "not a regular file")


def open_regular(path: str | os.PathLike[str]) -> tuple[int, int]:
    """A read-only descriptor of `path` and its size, if it is (or links to) a regular file.
    Raises NotRegular for anything else and OSError when it cannot be opened; the caller
    closes the descriptor."""
    flags = os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_NOCTTY", 0) | getattr(os, "O_BINARY", 0)
    fd = os.open(path, flags)
    try:
        st = os.fstat(fd)
        if not stat.S_ISREG(st.st_mode):
            raise NotRegular(kind_of(st.st_mode))
        return fd, st.st_size
    except BaseException:
        os.close(fd)
        raise
