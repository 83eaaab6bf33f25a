"""TensorBoard: scalars and findings as event files in the run directory, written by PyTorch's
SummaryWriter (the tensorboard package's event-file writer; it writes from a thread of its own,
so a record costs the training loop a queue put). `tensorboard --logdir torchvitals-runs` shows
every run side by side."""

from __future__ import annotations

import os
from typing import Any

from torchvitals.sinks.scalars import ScalarSink


class TensorBoardSink(ScalarSink):
    def __init__(self, run_dir: str | os.PathLike[str] | None = None, out: str = "", logdir: str | None = None, writer: Any = None) -> None:
        """Write into `writer` (a SummaryWriter someone else opened and closes), or open one in
        `logdir`, by default the run directory."""
        super().__init__()
        self._own = writer is None
        if writer is None:
            from torch.utils.tensorboard import SummaryWriter  # needs the tensorboard package

            where = logdir or (str(run_dir) if run_dir else None)
            if where is None:
                raise ValueError("no run directory to write event files to (out='' switches it off)")
            writer = SummaryWriter(log_dir=where)
        self.writer = writer

    def write(self, scalars: dict[str, float], step: int) -> None:
        for tag, value in scalars.items():
            self.writer.add_scalar(tag, value, global_step=step)

    def text(self, tag: str, text: str, step: int) -> None:
        # TensorBoard renders text as markdown: keep the line breaks and the literal characters.
        self.writer.add_text(tag, "```\n" + text.replace("```", "'''") + "\n```", global_step=step)

    def finish(self) -> None:
        if self._own:
            self.writer.close()
        else:
            self.writer.flush()
