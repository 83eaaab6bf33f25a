"""The one interface every place torchvitals reports to implements.

A sink formats and delivers; it never measures, computes or judges. The monitor calls, in
order: `on_record` for every record it keeps (header, layout, step, event, epoch, plateau,
end), `on_message` for a sentence meant for a person (a note, a probe switched off, a problem
seen in the data given to observe()), `on_finding` for a finding when it is first seen or grows
worse, and `close` once with the final diagnosis. A new sink (TensorBoard, W&B, an HTML report)
is one new file implementing these four methods; the monitor guards every call, so a sink
that raises loses its own output and nothing else.
"""

from __future__ import annotations

from typing import Any, Protocol

from torchvitals.findings import Diagnosis, Finding
from torchvitals.record import History


class Sink(Protocol):
    def on_record(self, history: History, rec: dict[str, Any]) -> None:
        """A record, already in `history` (the record's derived statistics are there too)."""

    def on_message(self, text: str) -> None:
        """A sentence for a person, without the 'torchvitals:' prefix."""

    def on_finding(self, finding: Finding) -> None:
        """A finding first seen live, or seen again at a worse severity."""

    def close(self, diag: Diagnosis) -> None:
        """The run is over: `diag` is the whole run's diagnosis."""
