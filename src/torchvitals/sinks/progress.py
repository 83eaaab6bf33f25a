"""`torchvitals run`'s live status line at the bottom of the terminal (rich): iteration, the
latest recorded loss, findings so far. The script's own output and torchvitals' lines scroll
above it. It shows what the monitor already holds; it computes and judges nothing."""

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


__all__ = ["progress_line"]
