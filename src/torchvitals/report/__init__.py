"""`torchvitals report RUN_DIR`: one self-contained HTML page of a run, made from its run
directory alone. data.py prepares (reads and computes), html.py and svg.py lay it out.

Plotting is hand-written inline SVG: no library to install, nothing fetched or run when the
page opens (its Content-Security-Policy forbids scripts and network), and it renders the same
in any browser years later."""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path

from torchvitals.report.data import Report, collect
from torchvitals.report.html import render

REPORT_FILE = "report.html"


def default_path(run: str | os.PathLike[str]) -> Path:
    """Where a report goes when no -o is given: report.html in the run directory."""
    p = Path(run)
    return (p if p.is_dir() else p.parent) / REPORT_FILE


def write_report(
    run: str | os.PathLike[str], out: str | os.PathLike[str] | None = None, progress: Callable[[int], None] | None = None
) -> tuple[Report, Path]:
    """Read the run, write its report (to `out`, default RUN_DIR/report.html); the report's
    content and where it went. Raises torchvitals.record.RunFileError for a run that cannot be
    read, OSError when the page cannot be written."""
    rep = collect(run, progress)
    path = Path(out) if out is not None else default_path(run)
    page = render(rep)
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_text(page, encoding="utf-8")
    os.replace(tmp, path)
    return rep, path


__all__ = ["REPORT_FILE", "Report", "default_path", "write_report"]
