"""`torchvitals demo`: the main job, `torchvitals run`, on the bundled forecaster script
(`torchvitals/examples/forecaster.py`, plain PyTorch) with one of the field reports' bugs.

    torchvitals demo                      # the default bug (a normalisation stack)
    torchvitals demo --bug unused-pool    # another one
    torchvitals demo --fixed              # a healthy run
"""

from __future__ import annotations

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
