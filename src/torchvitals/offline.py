"""Offline diagnosis: the same rules over a run.jsonl written by a live run."""

from __future__ import annotations

import os

from torchvitals.diagnose import diagnose_history
from torchvitals.findings import Diagnosis
from torchvitals.record import RunFileError, read_run, resolve_run_file


def diagnose(path: str | os.PathLike[str]) -> Diagnosis:
    """Re-run every rule on a run directory (or its run.jsonl) and return the Diagnosis.

    Returns a Diagnosis or raises torchvitals.record.RunFileError (a missing, unreadable or
    foreign file), whatever the file holds: malformed lines are skipped with a note, and an
    error of torchvitals' own while judging becomes a RunFileError that names it."""
    history = read_run(path)
    try:
        diag = diagnose_history(history)
    except Exception as exc:  # a bug of ours must not end in a traceback for the user's file
        raise RunFileError(
            f"{path}: torchvitals failed while judging this run ({type(exc).__name__}: {exc}); "
            "please report it with the file"
        ) from exc
    diag.run_dir = str(resolve_run_file(path).parent)
    return diag
