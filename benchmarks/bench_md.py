"""BENCHMARKS.md: each benchmark owns a section between markers and rewrites only its own."""

from __future__ import annotations

from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def write_section(name: str, body: str) -> Path:
    """Replace the `name` section of BENCHMARKS.md (append it when absent)."""
    begin, end = f"<!-- {name}:begin -->", f"<!-- {name}:end -->"
    path = ROOT / "BENCHMARKS.md"
    text = path.read_text() if path.exists() else "# Benchmarks\n"
    block = f"{begin}\n{body.rstrip()}\n{end}\n"
    if begin in text and end in text:
        text = text[: text.index(begin)] + block + text[text.index(end) + len(end) + 1 :]
    else:
        text = text.rstrip("\n") + "\n\n" + block
    path.write_text(text)
    return path
