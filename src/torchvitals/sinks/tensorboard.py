"""TensorBoard: scalars and findings as event files in the run directory, written through
PyTorch's TensorBoard FileWriter (the tensorboard package's event-file writer, which writes from
a thread of its own). A record's scalars go out as one event (one summary holding every tag), so
a record costs the training loop one protobuf and a queue put. `tensorboard --logdir
torchvitals-runs` shows every run side by side."""

from __future__ import annotations

import os
from typing import Any

from torchvitals.sinks.scalars import ScalarSink


class TensorBoardSink(ScalarSink):
    def __init__(self, run_dir: str | os.PathLike[str] | None = None, out: str = "", logdir: str | None = None, writer: Any = None) -> None:
        """Write through `writer` (a SummaryWriter someone else opened and closes, e.g. a
        Lightning TensorBoardLogger's), or open an event file in `logdir`, by default the run
        directory."""
        super().__init__()
        from tensorboard.compat.proto.summary_pb2 import Summary  # needs the tensorboard package
        from torch.utils.tensorboard import summary
        from torch.utils.tensorboard.writer import FileWriter

        self._summary, self._text = Summary, summary.text
        self._own = writer is None
        if writer is None:
            where = logdir or (str(run_dir) if run_dir else None)
            if where is None:
                raise ValueError("no run directory to write event files to (out='' switches it off)")
            self.file_writer = FileWriter(where)
        else:
            self.file_writer = writer._get_file_writer() if hasattr(writer, "_get_file_writer") else writer.file_writer

    def write(self, scalars: dict[str, float], step: int) -> None:
        values = [self._summary.Value(tag=tag, simple_value=value) for tag, value in scalars.items()]
        self.file_writer.add_summary(self._summary(value=values), global_step=step)

    def text(self, tag: str, text: str, step: int) -> None:
        # TensorBoard renders text as markdown: a code block keeps the lines and the characters.
        self.file_writer.add_summary(self._text(tag, "```\n" + text.replace("```", "'''") + "\n```"), global_step=step)

    def finish(self) -> None:
        if self._own:
            self.file_writer.close()
        else:
            self.file_writer.flush()
