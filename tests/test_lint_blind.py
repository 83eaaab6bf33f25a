"""The blind lint corpora (tests/lint_blind/v*/): snippets written by someone who had not seen the
linter. What the linter measures on them is printed and must equal README's blind table, so the
table cannot go stale; no threshold is asserted here (that would tune the linter to the corpus).

    python tests/test_lint_blind.py    # regenerate the README table (and print the misses)

Every corpus with a FIRST_MEASUREMENT.txt (v1 to v10) is *seen* (its misses were studied);
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


def blind_table() -> list[str]:
    """README's blind table: each seen corpus, its first measurement -> now."""
    corpora = sorted((p.parent.name for p in BLIND.glob("*/FIRST_MEASUREMENT.txt")), key=_number)
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
    readme = (Path(__file__).parents[1] / "README.md").read_text()
    missing = [row for row in blind_table() if row not in readme]
    assert not missing, "README blind table is stale; paste `python tests/test_lint_blind.py`:\n" + "\n".join(missing)


if __name__ == "__main__":
    print("\n".join(blind_table()))
    for corpus in sorted((p.name for p in BLIND.iterdir() if p.is_dir()), key=_number):
        print(*measure(corpus)[1], sep="\n")
