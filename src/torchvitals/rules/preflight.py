"""The findings of the first-batch preflight (checks/first_batch.py), carried from the record
into the diagnosis. The checks judged them when they ran (an experiment on the live model
cannot be re-run from run.jsonl); the record keeps their verdicts as `preflight` events, so
a live run's close() and `torchvitals diagnose` report the same."""

from __future__ import annotations

from torchvitals.findings import Finding
from torchvitals.record import History
from torchvitals.schema import invalid_finding


def preflight_results(history: History) -> tuple[list[Finding], dict[str, str]]:
    """(findings, check name → why it could not judge) from the run's preflight events."""
    found: dict[tuple[str, tuple[str, ...]], Finding] = {}
    skipped: dict[str, str] = {}
    for e in history.events:
        if e.get("kind") != "preflight":
            continue
        for d in e.get("findings") or []:
            if isinstance(d, dict) and invalid_finding(d) is None:
                f = Finding.from_dict(d)
                found.setdefault(f.key, f)
        for name, why in (e.get("unjudged") or {}).items():
            skipped[f"{name} (preflight)"] = str(why)
    return list(found.values()), skipped
