"""The blind lint corpora (tests/lint_blind/v*/): snippets written by someone who had not seen the
linter. What the linter measures on them is printed and must equal README's summary (one row per
corpus) and docs/lint-accuracy.md's per-rule table, so neither can go stale; no threshold is
asserted here (that would tune the linter to the corpus).

    python tests/test_lint_blind.py [--write]   # print both tables and the misses (--write: into the docs)

Every corpus with a FIRST_MEASUREMENT.txt is *seen* once a later round has studied it (its misses were studied);
"first" is that file, the linter's first run on the corpus while it was still held out.
"""

from __future__ import annotations

import functools
import re
from pathlib import Path

import pytest

import torchvitals.lint.engine as engine
from torchvitals.lint import lint_file

BLIND = Path(__file__).parent / "lint_blind"
ROOT = Path(__file__).parents[1]
CODES = [f"TVL{n:03d}" for n in range(1, 18)]
EXPECT = re.compile(r"#\s*expect:\s*(.+)")
FIRST = re.compile(r"^(TVL\d{3}) \[(\d+), (\d+), (\d+)\]", re.M)


@pytest.fixture(autouse=True)
def strict_rules(monkeypatch):
    monkeypatch.setattr(engine, "STRICT", True)


def expected(path: Path) -> set[str]:
    m = EXPECT.search(path.read_text().splitlines()[0])
    assert m, f"{path.name}: line 1 has no `# expect:` label"
    label = m.group(1).strip()
    return set() if label == "clean" else {c.strip() for c in label.split(",")}


@functools.cache
def measure(corpus: str) -> tuple[dict[str, list[int]], tuple[str, ...]]:
    """Per code [tp, fp, fn], counted per file, and the files the linter got wrong."""
    scores: dict[str, list[int]] = {c: [0, 0, 0] for c in CODES}
    wrong = []
    for path in sorted((BLIND / corpus).glob("*.py")):
        want, got = expected(path), {f.code for f in lint_file(str(path))}
        for code in want | got:
            s = scores.setdefault(code, [0, 0, 0])
            s[0 if code in want and code in got else 1 if code in got else 2] += 1
        if want != got:
            wrong.append(f"{corpus}/{path.name}: expected {sorted(want)}, got {sorted(got)}")
    return scores, tuple(wrong)


def first_measurement(corpus: str = "v1") -> dict[str, list[int]]:
    text = (BLIND / corpus / "FIRST_MEASUREMENT.txt").read_text()
    return {m[1]: [int(m[2]), int(m[3]), int(m[4])] for m in FIRST.finditer(text)}


def _pr(s: list[int]) -> tuple[str, str]:
    tp, fp, fn = s
    p = f"{tp / (tp + fp):.2f}" if tp + fp else "-"
    r = f"{tp / (tp + fn):.2f}" if tp + fn else "-"
    return p, r


def _total(scores: dict[str, list[int]]) -> list[int]:
    return [sum(s[i] for s in scores.values()) for i in range(3)]


def _cells(before: dict[str, list[int]], now: dict[str, list[int]], code: str) -> str:
    """`bugs | precision first → now | recall first → now` of one corpus for one row."""
    b = _total(before) if code == "overall" else before.get(code, [0, 0, 0])
    n = _total(now) if code == "overall" else now[code]
    (pb, rb), (pn, rn) = _pr(b), _pr(n)
    return f"{n[0] + n[2]} | {pb} → {pn} | {rb} → {rn}"


def _number(corpus: str) -> int:
    """v10 after v9, not after v1."""
    return int(corpus.lstrip("v"))


def _measured() -> list[str]:
    """The corpora with a first measurement, in the order they were written."""
    return sorted((p.parent.name for p in BLIND.glob("*/FIRST_MEASUREMENT.txt")), key=_number)


def summary_table() -> list[str]:
    """README's blind table: one row per corpus, its first measurement -> now, all rules."""
    rows = ["| corpus | files | bugs | clean files | precision first → now | recall first → now |", "|---|---|---|---|---|---|"]
    for c in _measured():
        files = sorted((BLIND / c).glob("*.py"))
        clean = sum(not expected(f) for f in files)
        (pb, rb), (pn, rn) = _pr(_total(first_measurement(c))), _pr(now := _total(measure(c)[0]))
        rows.append(f"| {c} | {len(files)} | {now[0] + now[2]} | {clean} | {pb} → {pn} | {rb} → {rn} |")
    return rows


def blind_table() -> list[str]:
    """docs/lint-accuracy.md's per-rule table: each corpus, its first measurement -> now."""
    corpora = _measured()
    head = " | ".join(f"{c} bugs | {c} precision first → now | {c} recall first → now" for c in corpora)
    rows = [f"| rule | {head} |", "|---" * (1 + 3 * len(corpora)) + "|"]
    for code in [*CODES, "overall"]:
        cells = " | ".join(_cells(first_measurement(c), measure(c)[0], code) for c in corpora)
        rows.append(f"| {code} | {cells} |")
    return rows


def test_blind_corpora_are_labelled_never_crash_and_match_the_readme():
    """Every corpus is labelled and lints without a crash (STRICT), and README's blind table is
    what the linter measures now. One test, so that the corpora are linted once per run (the
    measurement is cached per process, and xdist would spread two tests over two workers)."""
    for corpus in sorted((p.name for p in BLIND.iterdir() if p.is_dir()), key=_number):
        scores, wrong = measure(corpus)
        print(f"\n{corpus}: tp/fp/fn {_total(scores)}", *wrong, sep="\n  ")
        assert sum(_total(scores)) > 0
    for doc, rows in (("README.md", summary_table()), ("docs/lint-accuracy.md", blind_table())):
        text = (ROOT / doc).read_text()
        missing = [row for row in rows if row not in text]
        assert not missing, f"{doc}'s blind table is stale; paste `python tests/test_lint_blind.py`:\n" + "\n".join(missing)


def _rewrite(doc: str, rows: list[str]) -> None:
    """Put `rows` in place of the table in `doc` that starts with the same header cell."""
    lines = (ROOT / doc).read_text().splitlines()
    head = rows[0].split(" | ")[0]
    i = next(k for k, line in enumerate(lines) if line.startswith(head + " | "))
    j = i
    while j < len(lines) and lines[j].startswith("|"):
        j += 1
    lines[i:j] = rows
    (ROOT / doc).write_text("\n".join(lines) + "\n")


if __name__ == "__main__":
    import sys

    print("\n".join(summary_table()), "", "\n".join(blind_table()), sep="\n")
    if "--write" in sys.argv:  # README.md and docs/lint-accuracy.md rewritten in place
        _rewrite("README.md", summary_table())
        _rewrite("docs/lint-accuracy.md", blind_table())
    for corpus in sorted((p.name for p in BLIND.iterdir() if p.is_dir()), key=_number):
        print(*measure(corpus)[1], sep="\n")
