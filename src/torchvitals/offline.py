"""Offline diagnosis: the same rules over a run.jsonl written by a live run."""

from __future__ import annotations

import os

from torchvitals.diagnose import diagnose_history
from torchvitals.findings import Diagnosis
from torchvitals.record import read_run, resolve_run_file


def diagnose(path: str | os.PathLike[str]) -> Diagnosis:
    """Re-run every rule on a run directory (or its run.jsonl) and return the Diagnosis.
    Raises torchvitals.record.RunFileError for a missing or foreign file."""
    history = read_run(path)
    diag = diagnose_history(history)
    diag.run_dir = str(resolve_run_file(path).parent)
    return diag
