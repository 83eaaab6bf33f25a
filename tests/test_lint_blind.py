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


SUMMARY_HEAD = ["| corpus | files | bugs | clean files | precision first → now | recall first → now |", "|---|---|---|---|---|---|"]


def summary_row(c: str) -> str:
    """README's row for corpus `c`: its first measurement -> now, all rules together."""
    files = sorted((BLIND / c).glob("*.py"))
    clean = sum(not expected(f) for f in files)
    (pb, rb), (pn, rn) = _pr(_total(first_measurement(c))), _pr(now := _total(measure(c)[0]))
    return f"| {c} | {len(files)} | {now[0] + now[2]} | {clean} | {pb} → {pn} | {rb} → {rn} |"


def summary_table() -> list[str]:
    """README's blind table: one row per corpus."""
    return SUMMARY_HEAD + [summary_row(c) for c in _measured()]


def _head(corpora: list[str]) -> list[str]:
    head = " | ".join(f"{c} bugs | {c} precision first → now | {c} recall first → now" for c in corpora)
    return [f"| rule | {head} |", "|---" * (1 + 3 * len(corpora)) + "|"]


def blind_table() -> list[str]:
    """docs/lint-accuracy.md's per-rule table: each corpus, its first measurement -> now."""
    corpora = _measured()
    rows = _head(corpora)
    for code in [*CODES, "overall"]:
        cells = " | ".join(_cells(first_measurement(c), measure(c)[0], code) for c in corpora)
        rows.append(f"| {code} | {cells} |")
    return rows


CORPORA = sorted((p.name for p in BLIND.iterdir() if p.is_dir()), key=_number)


@pytest.mark.parametrize("corpus", CORPORA)
def test_blind_corpus_is_labelled_never_crashes_and_matches_the_docs(corpus):
    """Every file of the corpus is labelled and lints without a crash (STRICT); once the corpus
    has a first measurement, README's row and docs/lint-accuracy.md's cells of it are what the
    linter measures now. One test per corpus, so that xdist spreads the corpora over its
    workers and each is linted once per run."""
    scores, wrong = measure(corpus)
    print(f"\n{corpus}: tp/fp/fn {_total(scores)}", *wrong, sep="\n  ")
    assert sum(_total(scores)) > 0
    measured = _measured()
    if corpus not in measured:
        return
    hint = "stale; run `python tests/test_lint_blind.py --write`"
    assert summary_row(corpus) in (ROOT / "README.md").read_text(), f"README's blind row of {corpus} is {hint}"
    doc = (ROOT / "docs/lint-accuracy.md").read_text().splitlines()
    k = 1 + 3 * measured.index(corpus)
    for code in [*CODES, "overall"]:
        row = next((line for line in doc if line.startswith(f"| {code} | ")), "")
        cells = row.strip("| ").split(" | ")
        want = _cells(first_measurement(corpus), measure(corpus)[0], code).split(" | ")
        assert cells[k : k + 3] == want, f"docs/lint-accuracy.md's {code} cells of {corpus} are {hint}"


def test_blind_tables_name_every_measured_corpus():
    """README's summary has a row, and the per-rule table a column, for each measured corpus."""
    measured = _measured()
    assert _head(measured)[0] in (ROOT / "docs/lint-accuracy.md").read_text()
    readme = (ROOT / "README.md").read_text()
    assert all(f"| {c} | " in readme for c in measured)


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
    for corpus in CORPORA:
        print(*measure(corpus)[1], sep="\n")
