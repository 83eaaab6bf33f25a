"""torchvitals: says early and plainly when a PyTorch training run is silently broken.

    monitor = torchvitals.watch(model, optimizer)
    ...training loop unchanged...
    diagnosis = monitor.close()
"""

from __future__ import annotations

from typing import Any

import torchvitals.rules  # noqa: E402,F401  (registers every rule and the folds the record runs for them)
from torchvitals.findings import Diagnosis, Finding  # noqa: E402
from torchvitals.offline import diagnose  # noqa: E402
from torchvitals.version import __version__  # noqa: E402

__all__ = ["Diagnosis", "Finding", "Monitor", "__version__", "check", "diagnose", "watch"]


def __getattr__(name: str) -> Any:
    """`watch`, `Monitor` and `check` load the hooks and the checks when first used, so that
    reading a run (`torchvitals diagnose`, `torchvitals.offline`) attaches nothing."""
    if name in ("watch", "Monitor"):
        from torchvitals import monitor

        return getattr(monitor, name)
    if name == "check":
        from torchvitals.checks import check

        return check
    raise AttributeError(f"module 'torchvitals' has no attribute {name!r}")
