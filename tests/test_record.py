"""The run record: crash-tolerant reading, clear errors for foreign files, fuzzed input."""

import json

import pytest
from cases import FAULTS
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import torchvitals
from torchvitals.record import SCHEMA, RunFileError, read_run


@pytest.fixture(scope="module")
def run_file(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("rec")
    FAULTS["unused-attn-pool"][0](tmp)
    return tmp / "run" / "run.jsonl"


def test_header_and_records(run_file):
    lines = [json.loads(line) for line in run_file.read_text().splitlines()]
    assert lines[0]["type"] == "header" and lines[0]["schema"] == SCHEMA
    assert {"step", "end"} <= {rec["type"] for rec in lines}
    assert (run_file.parent / "findings.json").exists()
    saved = json.loads((run_file.parent / "findings.json").read_text())
    assert "dead-parameters" in {f["name"] for f in saved["findings"]}


def test_truncated_run_still_diagnoses(run_file, tmp_path):
    text = run_file.read_text()
    cut = text[: int(len(text) * 0.6)]  # the process died mid-write
    (tmp_path / "run.jsonl").write_text(cut)
    diag = torchvitals.diagnose(tmp_path)
    assert "dead-parameters" in diag.names("warning")
    assert any("truncated" in n for n in diag.notes) and any("did not close" in n for n in diag.notes)


def test_corrupt_lines_are_skipped_and_counted(run_file, tmp_path):
    lines = run_file.read_text().splitlines()
    lines.insert(3, "{not json")
    lines.insert(5, "[1, 2]")
    (tmp_path / "run.jsonl").write_text("\n".join(lines) + "\n")
    hist = read_run(tmp_path)
    assert any("skipped 2 corrupt" in n for n in hist.notes)


def test_foreign_and_missing_files(tmp_path):
    with pytest.raises(RunFileError, match="no such file"):
        read_run(tmp_path / "nope")
    (tmp_path / "run.jsonl").write_text('{"type": "step"}\n')
    with pytest.raises(RunFileError, match="no header"):
        read_run(tmp_path)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(junk=st.lists(st.one_of(st.text(max_size=40), st.binary(max_size=40).map(lambda b: b.decode("latin-1"))), max_size=8),
       cut=st.floats(0.0, 1.0))
def test_fuzzed_records_never_crash_the_reader(run_file, tmp_path, junk, cut):
    text = run_file.read_text()
    lines = text[: int(len(text) * cut)].splitlines() + junk
    path = tmp_path / "fuzz.jsonl"
    path.write_text("\n".join(lines), encoding="utf-8", errors="replace")
    try:
        diag = torchvitals.diagnose(path)
    except RunFileError:
        return
    assert isinstance(diag.findings, list)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(rec=st.dictionaries(st.sampled_from(["type", "opt", "it", "g", "w", "w_it", "d", "lr", "counters", "stepped", "act"]),
                           st.one_of(st.none(), st.integers(-3, 3), st.floats(allow_nan=True), st.text(max_size=5),
                                     st.lists(st.one_of(st.none(), st.floats(allow_nan=True)), max_size=6))))
def test_fuzzed_step_records_never_crash_the_rules(run_file, tmp_path, rec):
    rec["type"] = "step"
    lines = run_file.read_text().splitlines()
    lines.insert(2, json.dumps(rec))
    path = tmp_path / "f.jsonl"
    path.write_text("\n".join(lines))
    diag = torchvitals.diagnose(path)
    assert isinstance(diag.findings, list)
