"""Render lint findings: text (like ruff), JSON, SARIF 2.1.0."""

from __future__ import annotations

import json

from torchvitals.findings import Finding
from torchvitals.rules import all_pages
from torchvitals.terminal import printable


def _location(f: Finding) -> str:
    ev = f.evidence
    cell = f"cell {ev['cell']}:" if "cell" in ev else ""
    return f"{ev.get('path', '?')}:{cell}{ev.get('line', 1)}:{ev.get('col', 1)}"


def render_text(findings: list[Finding], files: int | None = None) -> str:
    """`path:line:col: CODE message` and the fix under it, then a summary line. File names and
    text from the files (names, strings quoted in messages) are shown with control characters
    escaped, so a file named with an ANSI escape cannot drive the terminal."""
    out = []
    for f in findings:
        out.append(f"{printable(_location(f))}: {printable(f.code)} {printable(f.message)}")
        out.append(f"    fix: {printable(f.fix)}")
    counts: dict[str, int] = {}
    for f in findings:
        counts[f.code] = counts.get(f.code, 0) + 1
    scanned = f" in {files} file{'s' * (files != 1)}" if files is not None else ""
    if findings:
        by = ", ".join(f"{c} x{n}" for c, n in sorted(counts.items()))
        out.append(f"Found {len(findings)} problem{'s' * (len(findings) != 1)}{scanned} ({by}).")
    else:
        out.append(f"All checks passed{scanned}.")
    return "\n".join(out)


def render_json(findings: list[Finding]) -> str:
    return json.dumps([f.to_dict() for f in findings], indent=2, default=str)


def render_sarif(findings: list[Finding]) -> str:
    """A SARIF 2.1.0 log (GitHub code scanning reads it)."""
    pages = {r.code: r for r in all_pages().values() if r.code.startswith("TVL")}
    codes = sorted({f.code for f in findings} | set(pages))
    rules = [
        {
            "id": c,
            "name": pages[c].name if c in pages else c,
            "shortDescription": {"text": pages[c].what if c in pages else c},
            "help": {"text": pages[c].fix if c in pages else ""},
        }
        for c in codes
    ]
    level = {"error": "error", "warning": "warning", "info": "note"}
    results = []
    for f in findings:
        ev = f.evidence
        region = {"startLine": ev.get("line", 1), "startColumn": ev.get("col", 1)}
        loc = {"physicalLocation": {"artifactLocation": {"uri": ev.get("path", "")}, "region": region}}
        results.append({
            "ruleId": f.code,
            "level": level.get(f.severity, "warning"),
            "message": {"text": f"{f.message}. Fix: {f.fix}"},
            "locations": [loc],
        })  # fmt: skip
    log = {
        "$schema": "https://json.schemastore.org/sarif-2.1.0.json",
        "version": "2.1.0",
        "runs": [{"tool": {"driver": {"name": "torchvitals-lint", "rules": rules}}, "results": results}],
    }
    return json.dumps(log, indent=2)
