"""Weights & Biases: scalars against a `torchvitals/iteration` axis of their own, findings and the
diagnosis in the run's summary.

Into the W&B run the script already has (`wandb.run`), or a run of its own (project
`$WANDB_PROJECT` or "torchvitals", named after the run directory, files in it). With no W&B
login and no WANDB_MODE, the run is written offline (`wandb sync` uploads it later): a monitor
must never stop a job at a login prompt."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from torchvitals.sinks.scalars import PREFIX, ScalarSink

AXIS = PREFIX + "iteration"


def _logged_in(wandb: Any) -> bool:
    try:
        return bool(wandb.api.api_key)
    except Exception:
        return False


class WandbSink(ScalarSink):
    text_slots = True  # the run's summary: one value per key

    def __init__(self, run_dir: str | os.PathLike[str] | None = None, out: str = "", run: Any = None) -> None:
        super().__init__()
        import wandb

        self._own = False
        if run is None:
            run = wandb.run
        if run is None:
            mode = os.environ.get("WANDB_MODE") or ("online" if _logged_in(wandb) else "offline")
            run = wandb.init(
                project=os.environ.get("WANDB_PROJECT") or "torchvitals",
                name=Path(run_dir).name if run_dir else None,
                dir=str(run_dir) if run_dir else None,
                mode=mode,  # type: ignore[arg-type]
                reinit="create_new",
            )
            self._own = True
        self.run = run
        run.define_metric(AXIS)
        run.define_metric(PREFIX + "*", step_metric=AXIS)

    def write(self, scalars: dict[str, float], step: int) -> None:
        self.run.log({**scalars, AXIS: step})

    def text(self, tag: str, text: str, step: int) -> None:
        self.run.summary[tag] = text

    def finish(self) -> None:
        if self._own:
            self.run.finish()
