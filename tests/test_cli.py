"""The `torchvitals` command: diagnose, explain, demo; exit codes 0 / 1 / 2."""

import json
import subprocess
import sys

import pytest
from cases import FAULTS, HEALTHY

from torchvitals.cli import main
from torchvitals.rules import RULES


@pytest.fixture(scope="module")
def runs(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("cli")
    FAULTS["strict-step-gate"][0](tmp / "bad")
    HEALTHY["mlp-regression"](tmp / "good")
    return tmp


def test_diagnose_exit_codes(runs, capsys):
    assert main(["diagnose", str(runs / "good" / "run")]) == 0
    assert main(["diagnose", str(runs / "bad" / "run" / "run.jsonl")]) == 1
    out = capsys.readouterr().out
    assert "skipped-steps" in out and "fix:" in out
    assert main(["diagnose", str(runs / "missing")]) == 2
    assert "no such file" in capsys.readouterr().err


def test_diagnose_json(runs, capsys):
    assert main(["diagnose", "--json", str(runs / "bad" / "run")]) == 1
    data = json.loads(capsys.readouterr().out)
    assert data["healthy"] is False
    assert "skipped-steps" in {f["name"] for f in data["findings"]}
    assert main(["diagnose", "--format", "json", str(runs / "good" / "run")]) == 0
    assert json.loads(capsys.readouterr().out)["healthy"] is True


def test_diagnose_garbage_file(tmp_path, capsys):
    (tmp_path / "run.jsonl").write_text("hello\nworld\n")
    assert main(["diagnose", str(tmp_path)]) == 2
    assert "not a torchvitals run" in capsys.readouterr().err


def test_explain(capsys):
    assert main(["explain"]) == 0
    listing = capsys.readouterr().out
    assert all(name in listing for name in RULES)
    assert main(["explain", "dead-parameters"]) == 0
    page = capsys.readouterr().out
    for section in ("What it detects", "Why it hurts", "Example", "The fix"):
        assert section in page
    assert main(["explain", "TV201"]) == 0 and "skipped-steps" in capsys.readouterr().out
    assert main(["explain", "no-such-rule"]) == 2
    assert main(["explain", "--json", "lr-too-small"]) == 0
    assert json.loads(capsys.readouterr().out)["code"] == "TV204"


def test_every_rule_has_a_complete_page():
    from torchvitals.rules import all_pages, get

    # One code, one finding, across the record rules and the preflight checks (before, the four
    # distributed rules shared TV501-TV504 with four checks: `explain TV501` showed only one).
    codes = [r.code for r in all_pages().values()]
    assert len(set(codes)) == len(codes), sorted(c for c in codes if codes.count(c) > 1)
    assert all(get(r.code) is r for r in all_pages().values())
    for r in RULES.values():
        assert r.what and r.why and r.example.strip() and r.fix, r.name


def test_usage_errors_exit_2(capsys):
    assert main([]) == 2
    assert main(["diagnose"]) == 2
    assert main(["frobnicate"]) == 2


def test_demo_names_the_seeded_bug(tmp_path, capsys):
    assert main(["demo", "--bug", "unused-pool", "--epochs", "1", "--out", str(tmp_path), "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert "dead-parameters" in {f["name"] for f in data["findings"] if f["severity"] != "info"}
    assert data["report"] == str(tmp_path / "demo-unused-pool" / "report.html")
    assert "dead-parameters" in (tmp_path / "demo-unused-pool" / "report.html").read_text()
    assert main(["demo", "--fixed", "--epochs", "1", "--out", str(tmp_path), "--strict"]) == 0
    assert f"report written to {tmp_path / 'demo-fixed' / 'report.html'}" in capsys.readouterr().out


def test_module_entry_point():
    out = subprocess.run([sys.executable, "-m", "torchvitals", "--version"], capture_output=True, text=True)
    assert out.returncode == 0 and "torchvitals" in out.stdout


def test_demo_bug_table_is_the_forecasters():
    """The `--bug` choices are read from the forecaster's source (importing it imports torch)."""
    from torchvitals import demo
    from torchvitals.cli import build_parser
    from torchvitals.examples import forecaster, forecaster_bugs

    assert forecaster_bugs() == forecaster.BUGS
    demo_parser = build_parser()._subparsers._group_actions[0].choices["demo"]
    bug = next(a for a in demo_parser._actions if a.dest == "bug")
    assert sorted(bug.choices) == sorted(demo.BUGS) and f"default: {demo.DEFAULT_BUG}" in bug.help


def test_lint_and_diagnose_never_import_torch(tmp_path):
    """A linter in a pre-commit hook and a reader of old runs start in well under a second:
    neither loads torch (importing it took several seconds here)."""
    script = tmp_path / "train.py"
    script.write_text("import torch\nmodel = torch.nn.Linear(2, 1)\nmodel.eval()\n")
    run_dir = tmp_path / "run"
    run_dir.mkdir()
    (run_dir / "run.jsonl").write_text("")
    code = (
        "import sys\n"
        "from torchvitals.cli import main\n"
        f"main(['lint', {str(script)!r}])\n"
        f"main(['diagnose', {str(run_dir)!r}])\n"
        "print('torch loaded' if 'torch' in sys.modules else 'torch not loaded')\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=600)
    assert out.stdout.strip().endswith("torch not loaded"), out.stdout + out.stderr
