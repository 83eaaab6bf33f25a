"""The run directory: run.jsonl (every record, one JSON line each, appended as it comes) and
findings.json (the final diagnosis, written atomically). A write error switches the writer off
and is told in the diagnosis; it never reaches the training.

Lines reach the file in batches: step records are flushed at most every FLUSH_SECONDS, every
other record (header, events such as findings, epochs, the end) at once, and everything at
close. A process killed without warning loses at most the last second of step records (and
those the monitor holds to write together, monitor/records.py HOLD); with every=1 a flush per
step cost more than the rest of the writing."""

from __future__ import annotations

import glob
import json
import os
import secrets
import time
from pathlib import Path
from typing import Any, TextIO

from torchvitals.findings import Diagnosis, Finding
from torchvitals.record import FINDINGS_FILE, RUN_FILE, History

FLUSH_SECONDS = 1.0
_ENCODE = json.JSONEncoder(separators=(",", ":")).encode  # one encoder, not one per line


class RunWriter:
    """Appends records to run.jsonl. A write error switches the writer off, never the training."""

    def __init__(self, run_dir: str | os.PathLike[str] | None, filename: str = RUN_FILE) -> None:
        self.run_dir = Path(run_dir) if run_dir else None
        self.filename = filename
        self._fh: TextIO | None = None
        self.error: str | None = None
        if self.run_dir is not None:
            try:
                self.run_dir.mkdir(parents=True, exist_ok=True)
                self._fh = open(self.run_dir / filename, "a", encoding="utf-8")  # noqa: SIM115
            except OSError as exc:
                self.error = f"cannot write run directory {self.run_dir}: {exc}"
                self._fh = None

    def write(self, rec: dict[str, Any], flush: bool = False) -> None:
        if self._fh is None:
            return
        try:
            self._fh.write(_ENCODE(rec) + "\n")
            if flush:
                self._fh.flush()
        except (OSError, TypeError, ValueError) as exc:
            self.error = f"{self.filename} write failed: {exc}"
            self.close()

    def close(self) -> None:
        if self._fh is not None:
            try:
                self._fh.close()
            except OSError:
                pass
            self._fh = None

    def write_json(self, filename: str, data: dict[str, Any]) -> None:
        """Write `filename` atomically: into a temporary file of the same directory, renamed
        over the target. The temporary file is removed whatever happens, and temporary files a
        killed process left behind (`<filename>.*.tmp`) are removed first. Never raises."""
        if self.run_dir is None:
            return
        tmp: str | None = None
        try:
            _remove_stale_temps(self.run_dir, filename)
            text = json.dumps(data, indent=2) + "\n"
            name = str(self.run_dir / f"{filename}.{os.getpid()}-{secrets.token_hex(4)}.tmp")
            with open(name, "x", encoding="utf-8") as fh:  # a new file, with the usual permissions
                tmp = name
                fh.write(text)
            os.replace(tmp, self.run_dir / filename)
            tmp = None
        except Exception as exc:
            self.error = f"{filename} write failed: {type(exc).__name__}: {exc}"
        finally:
            if tmp is not None:
                try:
                    os.unlink(tmp)
                except OSError:
                    pass


def _remove_stale_temps(run_dir: Path, filename: str) -> None:
    """Temporary files of `filename` a killed writer left (and the older fixed name)."""
    for stale in [*run_dir.glob(glob.escape(filename) + ".*.tmp"), run_dir / (filename + ".tmp")]:
        try:
            if stale.is_file() and not stale.is_symlink():
                stale.unlink()
        except OSError:
            pass


class RunDirSink:
    """The Sink that keeps the run directory (see sinks/base.py)."""

    def __init__(self, run_dir: str | os.PathLike[str] | None, filename: str = RUN_FILE, findings: bool = True) -> None:
        self.writer = RunWriter(run_dir, filename)
        self.findings = findings  # under torchrun only rank 0 writes the job's findings.json
        self._flushed = time.monotonic()

    @property
    def error(self) -> str | None:
        return self.writer.error

    def on_record(self, history: History, rec: dict[str, Any]) -> None:
        try:
            now = time.monotonic()
            flush = rec.get("type") != "step" or now - self._flushed >= FLUSH_SECONDS
            if flush:
                self._flushed = now
            self.writer.write(rec, flush=flush)
        except Exception as exc:
            self.writer.error = f"{self.writer.filename} write failed: {type(exc).__name__}: {exc}"
            self.writer.close()

    def on_message(self, text: str) -> None:
        pass  # messages are in run.jsonl already, as the events that carry them

    def on_finding(self, finding: Finding) -> None:
        pass  # likewise: a `finding` event

    def close(self, diag: Diagnosis) -> None:
        if self.findings:
            self.writer.write_json(FINDINGS_FILE, diag.to_dict())
        self.writer.close()
