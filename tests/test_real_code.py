"""Real-code false-alarm suite: rewrites of well-known public training scripts
(benchmarks/real_code/) must run under `torchvitals run` without a crash or a finding at warning
or above, and each bug their `--bug NAME` injects must be found. The full measurement, with
overhead, is `python benchmarks/real_code/score.py`."""

import importlib.util
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
# Loaded under its own name: the fault zoo's runner is also called score.py (tests/test_zoo.py).
_spec = importlib.util.spec_from_file_location("real_code_score",
                                               ROOT / "benchmarks" / "real_code" / "score.py")
real_code = importlib.util.module_from_spec(_spec)
sys.modules["real_code_score"] = real_code
_spec.loader.exec_module(real_code)

SCRIPTS = real_code.discover()
BUGS = [(s, b) for s in SCRIPTS for b in s.bugs]


def _describe(findings):
    return "\n".join(f"  {f['name']} [{f['severity']}] at iteration {f['step']}: {f['message']}"
                     for f in findings)


def test_suite_is_complete():
    assert len(SCRIPTS) >= 18, [s.name for s in SCRIPTS]
    for s in SCRIPTS:
        assert s.bugs, f"{s.name}: no '# real: bug=' header"


@pytest.mark.parametrize("script", SCRIPTS, ids=[s.name for s in SCRIPTS])
def test_healthy_script_runs_clean(script, tmp_path):
    res = real_code.run_case(script.path, script.args, str(tmp_path))
    assert res["error"] is None, f"{script.name} crashed under torchvitals run: {res['error']}\n" + \
        "\n".join(res["tail"])
    assert not res["warning"], f"{script.name}: false alarms on the healthy run:\n" + \
        _describe(res["warning"])


@pytest.mark.parametrize("script,bug", BUGS, ids=[f"{s.name}-{b.name}" for s, b in BUGS])
def test_injected_bug_is_found(script, bug, tmp_path):
    res = real_code.run_case(script.path, [*script.args, "--bug", bug.name], str(tmp_path))
    found = {f["name"] for f in res["warning"]}
    assert found & set(bug.expect), (
        f"{script.name} --bug {bug.name}: expected one of {bug.expect} at warning or above; "
        f"reported:\n{_describe(res['warning']) or '  nothing'}"
        + (f"\n(the run stopped: {res['error']})" if res["error"] else ""))
