"""torchvitals lint: the labelled corpus (precision / recall per rule), suppression, config,
CLI contract, notebooks, and fuzzing (no source crashes the linter)."""

from __future__ import annotations

import argparse
import json
import re
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import torchvitals.lint.engine as engine
from torchvitals.lint import lint_file, lint_paths, lint_source
from torchvitals.lint.cli import add_parser
from torchvitals.rules import get

CORPUS = Path(__file__).parent / "lint_corpus"
RULES_DONE = [f"TVL{n:03d}" for n in (1, 2, 3, 4, 5, 6, 7, 8, 10, 11, 12, 13, 14, 15, 16)]
EXPECT = re.compile(r"#\s*expect:\s*(.+)")


@pytest.fixture(autouse=True)
def strict_rules(monkeypatch):
    """A rule that crashes fails the test instead of being skipped."""
    monkeypatch.setattr(engine, "STRICT", True)


def expected(path: Path) -> set[str]:
    text = path.read_text()
    if path.suffix == ".ipynb":
        text = "".join(json.loads(text)["cells"][0]["source"])
    m = EXPECT.search(text)
    assert m, f"{path.name} has no `# expect:` label"
    label = m.group(1).strip()
    return set() if label == "clean" else {c.strip() for c in label.split(",")}


def corpus_scores() -> tuple[dict[str, list[int]], list[str]]:
    """Per code: [true positives, false positives, false negatives], counted per file."""
    scores: dict[str, list[int]] = {c: [0, 0, 0] for c in RULES_DONE}
    wrong = []
    for path in sorted(CORPUS.iterdir()):
        want = expected(path)
        got = {f.code for f in lint_file(str(path))}
        for code in want | got:
            s = scores.setdefault(code, [0, 0, 0])
            if code in want and code in got:
                s[0] += 1
            elif code in got:
                s[1] += 1
            else:
                s[2] += 1
        if want != got:
            wrong.append(f"{path.name}: expected {sorted(want)}, got {sorted(got)}")
    return scores, wrong


def test_corpus_precision_recall():
    scores, wrong = corpus_scores()
    files = len(list(CORPUS.iterdir()))
    print(f"\nlint corpus: {files} snippets")
    print(f"{'code':8} {'name':26} {'tp':>3} {'fp':>3} {'fn':>3} {'precision':>9} {'recall':>7}")
    total = [0, 0, 0]
    for code in sorted(scores):
        tp, fp, fn = scores[code]
        total = [a + b for a, b in zip(total, (tp, fp, fn), strict=True)]
        p = tp / (tp + fp) if tp + fp else 1.0
        r = tp / (tp + fn) if tp + fn else 1.0
        name = get(code).name if get(code) else "?"
        print(f"{code:8} {name:26} {tp:3} {fp:3} {fn:3} {p:9.2f} {r:7.2f}")
        if code in RULES_DONE:
            assert p >= 0.95 and r >= 0.90, (code, scores[code], wrong)
    tp, fp, fn = total
    print(f"{'overall':35} {tp:3} {fp:3} {fn:3} {tp / (tp + fp):9.2f} {tp / (tp + fn):7.2f}")
    assert tp / (tp + fp) >= 0.95 and tp / (tp + fn) >= 0.90, wrong


def test_corpus_covers_every_rule_with_bugs_and_clean_twins():
    names = [p.name for p in CORPUS.iterdir()]
    for code in RULES_DONE:
        buggy = [p for p in CORPUS.iterdir() if code in expected(p)]
        assert len(buggy) >= 2, code
    assert sum(n.startswith("clean") for n in names) >= 25
    assert any(n.endswith(".ipynb") for n in names)


def test_every_rule_has_a_page():
    for code in ["TVL000", *RULES_DONE]:
        page = get(code)
        assert page is not None and page.what and page.why and page.example and page.fix
        assert page.name not in {"dead-parameters", "grads-not-cleared", "training-in-eval-mode"}


BUGGY = """\
import torch
model = Net()
opt = torch.optim.SGD(model.parameters(), lr=0.1)
for x, y in loader:
    opt.zero_grad()
    loss = crit(model.forward(x), y){noqa}
    loss.backward()
    opt.step()
"""


def test_noqa_suppresses_only_the_named_code():
    assert {f.code for f in lint_source(BUGGY.format(noqa=""))} == {"TVL013"}
    assert lint_source(BUGGY.format(noqa="  # noqa: TVL013")) == []
    assert lint_source(BUGGY.format(noqa="  # noqa")) == []
    assert {f.code for f in lint_source(BUGGY.format(noqa="  # noqa: TVL001"))} == {"TVL013"}


def test_pyproject_ignore(tmp_path):
    (tmp_path / "train.py").write_text(BUGGY.format(noqa=""))
    assert {f.code for f in lint_paths([str(tmp_path)])} == {"TVL013"}
    (tmp_path / "pyproject.toml").write_text('[tool.torchvitals.lint]\nignore = ["TVL013"]\n')
    assert lint_paths([str(tmp_path)]) == []
    assert lint_paths([str(tmp_path)], select=["TVL01"]) == []


def test_select_and_ignore_arguments(tmp_path):
    (tmp_path / "train.py").write_text(BUGGY.format(noqa=""))
    assert lint_paths([str(tmp_path)], ignore=["TVL013"]) == []
    assert lint_paths([str(tmp_path)], select=["TVL001"]) == []
    assert len(lint_paths([str(tmp_path)], select="TVL013")) == 1


def test_syntax_error_is_reported_and_others_still_linted(tmp_path):
    (tmp_path / "broken.py").write_text("import torch\nfor x in loader:\n    loss.backward(\n")
    (tmp_path / "train.py").write_text(BUGGY.format(noqa=""))
    found = lint_paths([str(tmp_path)])
    assert {f.code for f in found} == {"TVL000", "TVL013"}
    broken = next(f for f in found if f.code == "TVL000")
    assert broken.where[0].startswith(str(tmp_path / "broken.py"))


def test_notebook_reports_the_cell():
    found = lint_file(str(CORPUS / "tvl001_notebook.ipynb"))
    assert [f.code for f in found] == ["TVL001"]
    assert found[0].evidence["cell"] == 4 and found[0].evidence["line"] == 3
    assert found[0].step is None and found[0].where[0].endswith(":3:5")


def run_cli(*argv: str) -> int:
    parser = argparse.ArgumentParser(prog="torchvitals")
    add_parser(parser.add_subparsers(dest="command"))
    args = parser.parse_args(["lint", *argv])
    return args.func(args)


def test_cli_exit_codes_and_formats(tmp_path, capsys):
    bad = tmp_path / "train.py"
    bad.write_text(BUGGY.format(noqa=""))
    good = tmp_path / "ok.py"
    good.write_text("import torch\nprint(torch.__version__)\n")
    assert run_cli(str(good)) == 0
    assert "All checks passed" in capsys.readouterr().out
    assert run_cli(str(bad)) == 1
    out = capsys.readouterr().out
    assert f"{bad}:6:17: TVL013 " in out and "fix:" in out
    assert run_cli(str(bad), "--format", "json") == 1
    assert json.loads(capsys.readouterr().out)[0]["name"] == "forward-call-skips-hooks"
    assert run_cli(str(bad), "--format", "sarif") == 1
    sarif = json.loads(capsys.readouterr().out)
    assert sarif["version"] == "2.1.0" and sarif["runs"][0]["results"][0]["ruleId"] == "TVL013"
    assert run_cli(str(tmp_path / "missing.py")) == 2
    assert run_cli() == 2
    assert run_cli("--explain", "TVL001") == 0
    assert "What it detects" in capsys.readouterr().out
    assert run_cli("--explain", "TVL999") == 2


def test_many_files_lint_in_parallel(tmp_path):
    for i in range(60):
        (tmp_path / f"t{i}.py").write_text(BUGGY.format(noqa=""))
    found = lint_paths([str(tmp_path)], jobs=2)
    assert len(found) == 60 and all(f.code == "TVL013" for f in found)


def test_torch_source_smoke():
    """A few of torch's own files: not training code, so (almost) nothing fires."""
    torch = pytest.importorskip("torch")
    root = Path(torch.__file__).parent
    files = [str(p) for p in sorted((root / "optim").glob("*.py"))[:15]]
    found = lint_paths(files)
    assert len([f for f in found if f.code != "TVL000"]) <= 1


CORPUS_TEXTS = [p.read_text() for p in sorted(CORPUS.glob("*.py"))]


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.sampled_from(CORPUS_TEXTS), st.integers(0, 2000), st.integers(0, 40))
def test_truncated_and_mangled_sources_never_crash(text, cut, drop):
    mangled = text[:cut] + text[cut + drop :]
    for f in lint_source(mangled) + lint_source(text[:cut]):
        assert f.code.startswith("TVL")


TOKENS = list("()[]{}:.,=+-*/ \n\tabxy01_#'\"") + [
    "loss", ".backward()", "opt", ".step()", "model", "with torch.no_grad():", "for x in loader:",
    "def f(self):", "class A(nn.Module):", "self.", "\n    ", "softmax", "DataLoader(", "torch.load(",
]  # fmt: skip


@settings(max_examples=150, deadline=None)
@given(st.lists(st.sampled_from(TOKENS), max_size=120))
def test_random_sources_never_crash(tokens):
    for f in lint_source("".join(tokens)):
        assert f.code.startswith("TVL")


def test_random_valid_training_loops_never_crash():
    """Every corpus file with each statement line removed in turn: still no crash."""
    for text in CORPUS_TEXTS:
        lines = text.splitlines()
        for i in range(len(lines)):
            lint_source("\n".join(lines[:i] + lines[i + 1 :]))
