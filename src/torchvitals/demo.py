"""`torchvitals demo`: the main job, `torchvitals run`, on the bundled forecaster script
(`torchvitals/examples/forecaster.py`, plain PyTorch) with one of the field reports' bugs.

    torchvitals demo                      # the default bug (a normalisation stack)
    torchvitals demo --bug unused-pool    # another one
    torchvitals demo --fixed              # a healthy run

The run directory also gets the run's HTML report (report.html), whose path is printed.
"""

from __future__ import annotations

from pathlib import Path

from torchvitals.examples import forecaster
from torchvitals.findings import Diagnosis
from torchvitals.run import run_script

BUGS = forecaster.BUGS
DEFAULT_BUG = forecaster.DEFAULT_BUG
# Where the demo looks inside the model: the encoder path, block by block.
PROBES = ["feature_proj", "norm", "norm.*", "encoder", "head"]


def run(bug: str | None = DEFAULT_BUG, epochs: int = 3, out: str = "torchvitals-runs", quiet: bool = False) -> Diagnosis:
    """Run the forecaster with `bug` (None: healthy) under `torchvitals run`; the diagnosis."""
    if bug is not None and bug not in BUGS:
        raise ValueError(f"unknown bug {bug!r}; choose from {sorted(BUGS)}")
    args = ["--epochs", str(epochs)] + (["--bug", bug] if bug else []) + (["--quiet"] if quiet else [])
    options = {"out": out, "name": f"demo-{bug or 'fixed'}", "probe": PROBES, "every": 20, "log_every": 40, "console": not quiet}
    _, diag = run_script(forecaster.__file__, args, options)
    return diag


def report(diag: Diagnosis) -> tuple[Path | None, str]:
    """Write the demo run's HTML report into its run directory: (its path, "") or (None, why not).
    The demo's diagnosis stands without it."""
    if not diag.run_dir:
        return None, "the run wrote no run directory"
    from torchvitals.report import write_report

    try:
        return write_report(diag.run_dir)[1], ""
    except Exception as exc:  # the report is a bonus here: say why, never fail the demo
        return None, f"{type(exc).__name__}: {exc}"
