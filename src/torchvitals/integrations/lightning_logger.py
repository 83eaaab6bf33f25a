"""A Lightning logger as a torchvitals sink: scalars through `logger.log_metrics`, findings
through the logger's text API when it has one (TensorBoard's `add_text`, W&B's `log_text`),
otherwise findings stay on the console and in the run directory. A sink formats only: the
scalars and texts come from `ScalarSink` (sinks/scalars.py). Imports no Lightning."""

from __future__ import annotations

from typing import Any

from torchvitals.sinks.scalars import ScalarSink


class LightningLoggerSink(ScalarSink):
    """Hands torchvitals' scalars and findings to every logger of a Lightning trainer."""

    def __init__(self, loggers: list[Any]) -> None:
        super().__init__()
        self.loggers = list(loggers)

    def write(self, scalars: dict[str, float], step: int) -> None:
        for logger in self.loggers:
            logger.log_metrics(scalars, step=step)

    def text(self, tag: str, text: str, step: int) -> None:
        for logger in self.loggers:
            experiment = getattr(logger, "experiment", None)
            if hasattr(experiment, "add_text"):  # TensorBoard renders markdown: keep it literal
                experiment.add_text(tag, "```\n" + text.replace("```", "'''") + "\n```", global_step=step)
            elif hasattr(logger, "log_text"):  # W&B: a one-column table
                logger.log_text(key=tag, columns=["text"], data=[[text]], step=step)

    def finish(self) -> None:
        for logger in self.loggers:
            logger.save()  # flush; the trainer finalizes (closes) its own loggers
