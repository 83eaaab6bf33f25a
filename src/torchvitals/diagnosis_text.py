"""A diagnosis as lines of text: the headline (what was found, or how much could be judged),
findings first with their fixes, then what was withdrawn, notes and what was not judged. The
console prints these lines (styled by rich); `str(diagnosis)` joins them. Reads the
diagnosis's attributes only, so the findings module can use it without an import circle."""

from __future__ import annotations

from typing import Any

from torchvitals.terminal import printable

_STYLE = {"error": "bold red", "warning": "yellow", "info": "cyan"}


def _headline(diag: Any) -> tuple[str, str]:
    """The first line: what was found, or how much could be judged."""
    s = diag.summary
    seen = f"{s.get('iterations', 0)} iteration(s), {s.get('sampled_iterations', 0)} sampled"
    problems = [f for f in diag.findings if f.severity != "info"]
    if diag.verdict == "problems":
        return f"torchvitals: {len(problems)} problem(s), {len(diag.findings) - len(problems)} note(s)", "bold"
    if diag.verdict == "not judged":
        return f"torchvitals: nothing was judged — {diag.not_judged}.", "bold yellow"
    notes = f"; {len(diag.findings)} note(s)" if diag.findings else ""
    if diag.verdict == "incomplete":
        return (
            f"torchvitals: no problem in the {seen} watched before the script stopped ({diag.stopped}); "
            f"the rest of the run was not seen{notes}.",
            "bold yellow",
        )
    lead = "no problems" if diag.findings else "no findings"
    return f"torchvitals: {lead} — the run looks healthy ({seen}){notes}.", "green"


def diagnosis_lines(diag: Any) -> list[tuple[str, str]]:
    """(text, rich style) lines of a diagnosis: findings first, then notes."""
    out: list[tuple[str, str]] = [_headline(diag)]
    fixes_told: set[str] = set()
    for f in diag.findings:
        at = f" (since iteration {f.step})" if f.step is not None else ""
        then = "  ↳ " if f.follows_from else "  "
        out.append((f"{then}{f.severity.upper():7} {f.code} {f.name}{at}", _STYLE.get(f.severity, "")))
        out.append((f"          {f.message}", ""))
        if f.shown_live:
            when = f" at iteration {f.shown_live.get('step')}" if f.shown_live.get("step") is not None else ""
            out.append((
                f"          (shown live as {str(f.shown_live.get('severity')).upper()}{when}; the whole run's "
                f"evidence makes it {f.severity.upper()})",
                "dim",
            ))
        if f.raised:
            out.append((
                f"          (raised from {str(f.raised.get('from')).upper()}: it explains {f.raised.get('by')} below)",
                "dim",
            ))
        if f.follows_from:
            out.append((f"          follows from {f.follows_from} (above): fix that first", "dim"))
        elif f.severity != "info" and f.fix not in fixes_told:  # the same advice once is enough
            fixes_told.add(f.fix)
            out.append((f"          fix: {f.fix}", "dim"))
    for f in diag.withdrawn:
        where = f" ({', '.join(f.where)})" if f.where else ""
        at = f" at iteration {f.step}" if f.step is not None else ""
        out.append((
            f"  withdrawn: {f.severity.upper()} {f.code} {f.name}{where}, shown live{at}, is not confirmed "
            "by the whole run's evidence",
            "dim",
        ))
    for n in diag.notes:
        out.append((f"  note: {n}", "dim"))
    if diag.unjudged:  # the reasons are in findings.json and --json; here only the names
        out.append((f"  not judged (no evidence yet): {', '.join(sorted(diag.unjudged))}", "dim"))
    if diag.run_dir:
        out.append((f"  run directory: {diag.run_dir}", "dim"))
    return out


def render_text(diag: Any) -> str:
    """Plain-text diagnosis (also what str(diagnosis) gives), safe to print on a terminal."""
    return "\n".join(printable(text) for text, _ in diagnosis_lines(diag))
