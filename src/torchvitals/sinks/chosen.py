"""The sinks a run asked for by name (`watch(sinks=[...])`, TORCHVITALS_SINKS, `torchvitals run
--sink`), opened when the monitor starts. Each dashboard library is imported only here, only
when asked for; one that is missing or fails to start costs its own output and a note, never
the run."""

from __future__ import annotations

import importlib
import os
from typing import Any

from torchvitals.sinks.base import Sink

# name → (module, class, the pip extra that installs its library)
_KNOWN = {
    "tensorboard": ("torchvitals.sinks.tensorboard", "TensorBoardSink", "tensorboard"),
    "wandb": ("torchvitals.sinks.wandb", "WandbSink", "wandb"),
    "mlflow": ("torchvitals.sinks.mlflow", "MlflowSink", "mlflow"),
}


def open_sinks(spec: list[Any], run_dir: str | os.PathLike[str] | None, out: str) -> tuple[list[Sink], list[str]]:
    """The sinks of `spec` (names or Sink objects), and a sentence for each that could not open."""
    sinks: list[Sink] = []
    troubles: list[str] = []
    for item in spec:
        if not isinstance(item, str):
            sinks.append(item)
            continue
        module, cls, extra = _KNOWN[item]
        try:
            sinks.append(getattr(importlib.import_module(module), cls)(run_dir=run_dir, out=out))
        except ImportError as exc:
            troubles.append(f"the {item} sink needs its library ({exc.name or exc}): pip install 'torchvitals[{extra}]'; not reporting to {item}")
        except Exception as exc:
            troubles.append(f"the {item} sink could not start ({type(exc).__name__}: {exc}); not reporting to {item}")
    return sinks, troubles
