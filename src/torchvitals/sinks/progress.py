"""`torchvitals run`'s live status line at the bottom of the terminal (rich): iteration, the
latest recorded loss, findings so far. The script's own output and torchvitals' lines scroll
above it. It shows what the monitor already holds; it computes and judges nothing. Also the
bar `torchvitals report` shows while it reads a large run.jsonl (on a terminal only)."""

from __future__ import annotations

import sys
from collections.abc import Callable
from typing import Any


def progress_line(monitor: Callable[[], Any]) -> Any:
    """A rich `Live` showing the monitor `monitor()` returns (None: none yet)."""
    from rich.console import Console
    from rich.live import Live
    from rich.text import Text

    class Status:
        def __rich__(self) -> Text:
            mon = monitor()
            if mon is None:
                return Text("torchvitals ▸ waiting for an optimizer", style="dim")
            it = mon.iteration()
            loss = next((r["out"]["loss"] for r in reversed(mon.history.steps) if isinstance(r.get("out"), dict) and "loss" in r["out"]), None)
            problems = sum(1 for f in mon.findings.values() if f.severity != "info")
            text = Text(f"torchvitals ▸ iteration {it}", style="dim")
            if loss is not None:
                text.append(f" · loss {loss:.4g}", style="dim")
            text.append(f" · {problems} finding(s)", style="bold yellow" if problems else "dim")
            return text

    return Live(Status(), console=Console(file=sys.stderr), refresh_per_second=4, transient=True, redirect_stdout=True, redirect_stderr=True)


# Below this size reading takes well under a second: a bar would only flicker.
BAR_MIN_BYTES = 8 * 2**20


def wants_bar(stream: Any, size: int) -> bool:
    """A progress bar only on a terminal, and only for a file big enough to take a while."""
    return size >= BAR_MIN_BYTES and on_terminal(stream)


def reading_bar(total: int, what: str) -> tuple[Any, Callable[[int], None]]:
    """A transient rich progress bar on stderr over `total` bytes: (the context manager, a
    function taking the bytes read so far)."""
    from rich.console import Console
    from rich.progress import BarColumn, DownloadColumn, Progress, TextColumn, TimeRemainingColumn

    bar = Progress(TextColumn("{task.description}"), BarColumn(), DownloadColumn(), TimeRemainingColumn(),
                   console=Console(file=sys.stderr), transient=True)
    task = bar.add_task(what, total=total)
    return bar, lambda done: bar.update(task, completed=done)


def steps_bar(total: int, what: str) -> tuple[Any, Callable[[str], None]]:
    """A transient rich progress bar on stderr over `total` named steps (the preflight checks):
    (the context manager, a function taking the name of the step that begins)."""
    from rich.console import Console
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

    bar = Progress(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
                   console=Console(file=sys.stderr), transient=True)
    task = bar.add_task(what, total=total)
    seen: list[str] = []

    def begin(name: str) -> None:
        bar.update(task, completed=len(seen), description=f"{what}: {name}")
        seen.append(name)

    return bar, begin


def on_terminal(stream: Any) -> bool:
    """Whether `stream` is a terminal (anything without a working isatty() is not)."""
    try:
        return bool(stream.isatty())
    except (AttributeError, ValueError, OSError):
        return False


__all__ = ["on_terminal", "progress_line", "reading_bar", "steps_bar", "wants_bar"]
