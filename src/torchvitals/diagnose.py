"""From a run's record to its Diagnosis: the same code for a live run's close() and for
`torchvitals diagnose run.jsonl`, so the two always agree.

Besides running the rules, this says how much was judged (a run nobody could judge is never
called healthy), whether the script stopped with an error, and squares the end with what was
printed live: a finding shown live with another severity says so, and one the whole run does not
confirm is listed as withdrawn.
"""

from __future__ import annotations

import re
from typing import Any

from torchvitals.findings import Diagnosis, Finding, severity_rank
from torchvitals.record import History
from torchvitals.rules import evaluate
from torchvitals.rules.causes import link_causes
from torchvitals.rules.gradients import opt_label

# Events that are not counted in the summary (they carry text or findings, not happenings).
_TEXT_EVENTS = ("note", "probe-error", "finding", "script-error", "preflight")


def diagnose_history(history: History) -> Diagnosis:
    """Run every rule over a complete history and build the Diagnosis."""
    failed: dict[str, str] = {}
    found, unjudged = evaluate(history, failed)
    withdrawn = _square_with_live(history, found)  # before causes raise a severity: that is no new evidence
    link_causes(found)  # the root cause leads; its symptoms are marked as following from it
    stopped = next((str(e.get("error")) for e in history.events if e.get("kind") == "script-error"), None)
    judged = history.n_grad > 0
    diag = Diagnosis(
        findings=found,
        unjudged=unjudged,
        summary=_summary(history),
        notes=_notes(history) + [f"rule {name} failed: {err}; not judged" for name, err in failed.items()],
        failed_rules=failed,
        judged=judged,
        not_judged="" if judged else _why_not_judged(history, stopped),
        stopped=stopped,
        withdrawn=withdrawn,
    )
    return diag


def _summary(history: History) -> dict[str, Any]:
    events: dict[str, int] = {}
    for e in history.events:
        kind = e.get("kind")
        if isinstance(kind, str) and kind not in _TEXT_EVENTS:
            events[kind] = events.get(kind, 0) + 1
    optimizers = [{"type": o.get("type"), **history.counters(k)} for k, o in enumerate(history.optimizers)]
    summary: dict[str, Any] = {
        "parameters": len(history.params),
        "events": events,
        "optimizers": optimizers,
        "iterations": max((o.get("cycles", 0) for o in optimizers if isinstance(o.get("cycles"), int)), default=0),
        "sampled_iterations": history.n_steps,
        "epochs": len(history.epochs),
    }
    if history.end:
        summary["seconds"] = history.end.get("seconds")
    return summary


def _notes(history: History) -> list[str]:
    notes = list(history.notes)
    notes += [str(e.get("text")) for e in history.events if e.get("kind") == "note"]
    notes += [
        f"the {e.get('probe')} probe failed and was switched off: {e.get('error')}"
        for e in history.events
        if e.get("kind") == "probe-error"
    ]
    notes += [
        f"from iteration {e.get('it')} on, the job's numbers leave out rank(s) "
        f"{', '.join(map(str, e.get('missing') or []))}: {e.get('reason')}"
        for e in history.events
        if e.get("kind") == "dist-exchange-off"
    ]
    return list(dict.fromkeys(notes))


def _why_not_judged(history: History, stopped: str | None) -> str:
    if not history.params:
        return "the model has no parameters" + ("" if history.optimizers else " and no optimizer was given")
    if not history.optimizers:
        return "no optimizer was watched"
    failed = next((e for e in history.events if e.get("kind") == "probe-error" and e.get("probe") in ("gradients", "steps")), None)
    if failed is not None:
        return f"the {failed.get('probe')} probe failed ({failed.get('error')}) and was switched off"
    counters = [history.counters(k) for k in range(len(history.optimizers))]
    backward = sum(c.get("backward", 0) for c in counters)
    if stopped:
        return f"the script stopped with {stopped} before any iteration ended"
    if not backward:
        return "no backward pass reached the watched parameters"
    return "no iteration ended (no optimizer step and no zero_grad after a backward pass)"


def _key(f: Finding, optimizers: set[str]) -> tuple[str, tuple[str, ...]]:
    """A finding's identity across the run: an optimizer is "Adam" while it is the only one and
    "optimizer 0 (Adam)" once there are more; both are optimizer 0."""
    where = []
    for w in f.where:
        m = re.fullmatch(r"optimizer (\d+) \((.*)\)", w)
        where.append(f"{m.group(2)} #{m.group(1)}" if m else f"{w} #0" if w in optimizers else w)
    return f.name, tuple(where)


def _square_with_live(history: History, final: list[Finding]) -> list[Finding]:
    """Compare the findings printed live (recorded as `finding` events) with the final ones:
    mark a final finding whose live severity differed, and return the live ones the end does not
    confirm (none of that name and place at the end)."""
    labels = {opt_label(history, k) for k in range(len(history.optimizers))}  # as one optimizer is named
    labels |= {str(o.get("type")) for o in history.optimizers}
    live: dict[tuple[str, tuple[str, ...]], Finding] = {}
    for e in history.events:
        if e.get("kind") == "finding" and isinstance(e.get("finding"), dict):
            try:
                f = Finding.from_dict(e["finding"])
            except TypeError:
                continue
            if f.severity != "info":  # what the console showed as it happened
                live[_key(f, labels)] = f
    by_key = {_key(f, labels): f for f in final}
    withdrawn = []
    for key, shown in live.items():
        now = by_key.get(key)
        if now is None:
            withdrawn.append(shown)
        elif now.severity != shown.severity:
            now.shown_live = {"severity": shown.severity, "step": shown.step}
    withdrawn.sort(key=lambda f: (-severity_rank(f.severity), f.step or 0, f.code))
    return withdrawn
