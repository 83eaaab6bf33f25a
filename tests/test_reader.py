"""The offline reader (issue 13): each hostile run.jsonl the reliability probe found ends in a
skipped line with a note or in one line and exit code 2, never in a traceback or a hang."""

from __future__ import annotations

import json
import os
import sys
import threading

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from reader_seed import seed_lines

import torchvitals
from torchvitals.cli import main
from torchvitals.record import RunFileError, read_run
from torchvitals.runfile import MAX_DEPTH, too_deep


def write(tmp_path, lines: list[str]):
    (tmp_path / "run.jsonl").write_text("\n".join(lines) + "\n", encoding="utf-8")
    return tmp_path


def records() -> list[dict]:
    return [json.loads(line) for line in seed_lines()]


def dumps(recs: list[dict]) -> list[str]:
    return [json.dumps(r) for r in recs]


def cli(capsys, path) -> tuple[int, str, str]:
    code = main(["diagnose", str(path)])
    out, err = capsys.readouterr()
    return code, out, err


def assert_one_line_exit_2(code: int, err: str, *words: str) -> None:
    assert code == 2
    assert "Traceback" not in err and len(err.strip().splitlines()) == 1, err
    for w in words:
        assert w in err, err


def test_a_healthy_seed_has_no_notes_about_reading(tmp_path):
    diag = torchvitals.diagnose(write(tmp_path, seed_lines()))
    assert not any("skipped" in n or "truncated" in n for n in diag.notes), diag.notes
    assert not any(v.startswith("rule error") for v in diag.unjudged.values()), diag.unjudged


def test_a_line_nested_100k_deep_is_skipped_unparsed(tmp_path):
    lines = seed_lines()
    lines.insert(3, "[" * 100_000 + "]" * 100_000)
    lines.insert(4, '{"type": "event", "kind": "x", "v": ' + "{\"a\": " * 5000 + "1" + "}" * 5000 + "}")
    diag = torchvitals.diagnose(write(tmp_path, lines))
    assert any(f"2 nested deeper than {MAX_DEPTH}" in n for n in diag.notes), diag.notes


def test_depth_scan_ignores_brackets_inside_strings():
    assert not too_deep(json.dumps({"name": "[" * 1000 + "{" * 1000}))
    assert not too_deep(json.dumps({"name": '\\"[[[' * 100}))
    assert too_deep("[" * (MAX_DEPTH + 1) + "]" * (MAX_DEPTH + 1))
    assert not too_deep("[" * MAX_DEPTH + "]" * MAX_DEPTH)


def _depth(v) -> int:
    if isinstance(v, dict):
        return 1 + max(map(_depth, v.values()), default=0)
    if isinstance(v, list):
        return 1 + max(map(_depth, v), default=0)
    return 0


_TRICKY = st.text(alphabet='[]{}"\\ab', max_size=6)
_JSON = st.recursive(
    st.one_of(st.none(), st.integers(), _TRICKY),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(_TRICKY, inner, max_size=3),
    max_leaves=40,
)


@settings(max_examples=300, deadline=None)
@given(value=_JSON, limit=st.integers(0, 8))
def test_depth_scan_agrees_with_the_parsed_depth(value, limit):
    """Strings full of brackets, quotes and backslashes never change the measured depth."""
    assert too_deep(json.dumps(value), limit) == (_depth(value) > limit)


def test_a_5000_digit_integer_does_not_raise(tmp_path):
    recs = records()
    lines = dumps(recs)
    huge = "9" * 5000
    lines.insert(2, '{"type": "event", "kind": "x", "it": 3, "n": ' + huge + "}")
    lines.insert(3, '{"type": "step", "opt": 0, "it": ' + huge + "}")  # an iteration no int holds
    diag = torchvitals.diagnose(write(tmp_path, lines))
    assert any("step 'it'" in n for n in diag.notes), diag.notes


def test_a_header_whose_params_lack_a_bucket_is_a_clear_input_error(tmp_path, capsys):
    recs = records()
    del recs[0]["params"][1]["bucket"]
    write(tmp_path, dumps(recs))
    with pytest.raises(RunFileError, match="header's 'params' does not match"):
        read_run(tmp_path)
    code, _, err = cli(capsys, tmp_path)
    assert_one_line_exit_2(code, err, "params")


@pytest.mark.parametrize("bad", [{"params": "x"}, {"params": [{"name": "a"}]}, {"optimizers": [{"groups": [{"params": [99]}]}]}])
def test_a_malformed_layout_record_is_skipped_before_it_is_used(tmp_path, bad):
    recs = records()
    at = next(i for i, r in enumerate(recs) if r["type"] == "layout" and "params" in r)
    recs.insert(at + 1, {"type": "layout", **bad})
    diag = torchvitals.diagnose(write(tmp_path, dumps(recs)))
    assert any("layout '" in n for n in diag.notes), diag.notes
    assert diag.summary["parameters"] == len(recs[at]["params"])  # the good layout stays


@pytest.mark.parametrize("counters", ["abc", [1, 2], [{"steps": "many"}], {"steps": 3}])
def test_end_counters_of_a_wrong_type_are_skipped(tmp_path, capsys, counters):
    recs = records()
    recs[-1]["counters"] = counters
    diag = torchvitals.diagnose(write(tmp_path, dumps(recs)))
    assert any("end 'counters'" in n for n in diag.notes), diag.notes
    code, _, err = cli(capsys, tmp_path)
    assert code in (0, 1) and "Traceback" not in err


def test_a_probe_error_event_without_its_probe_is_skipped(tmp_path):
    recs = records()
    recs.insert(3, {"type": "event", "kind": "probe-error", "error": "boom"})
    recs.insert(4, {"type": "event", "kind": "probe-error", "probe": ["gradients"], "error": "boom"})
    diag = torchvitals.diagnose(write(tmp_path, dumps(recs)))
    assert not any("None probe" in n or "['gradients'] probe" in n for n in diag.notes), diag.notes
    assert any("skipped 2 record(s)" in n and "event 'probe'" in n for n in diag.notes), diag.notes


@pytest.mark.parametrize("value", ["1e308", "-1e308", "1" + "0" * 400, "1e400", "Infinity", "NaN"])
def test_extreme_gradient_values_do_not_overflow(tmp_path, value):
    recs = records()
    lines = dumps(recs)
    i = next(k for k, r in enumerate(recs) if r["type"] == "step" and r.get("d"))
    rec = recs[i]
    lines[i] = json.dumps({**rec, "g": ["@"] * len(rec["g"]), "w": ["@"] * len(rec["w"])}).replace('"@"', value)
    diag = torchvitals.diagnose(write(tmp_path, lines))
    assert not any(v.startswith("rule error") for v in diag.unjudged.values()), diag.unjudged


@pytest.mark.parametrize("lengths", [{"w": 1}, {"w": 0, "d": 5}, {"g": 5, "w": 1, "d": 1}, {"lr": 0}, {"gf": 0}])
def test_a_step_whose_lists_differ_in_length_is_read(tmp_path, lengths):
    recs = records()
    for rec in recs:
        if rec["type"] == "step" and rec.get("d"):
            for key, n in lengths.items():
                base = rec.get(key) or [0.5]
                rec[key] = (base * n)[:n]
    diag = torchvitals.diagnose(write(tmp_path, dumps(recs)))
    assert not any(v.startswith("rule error") for v in diag.unjudged.values()), diag.unjudged


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="no FIFOs here")
def test_a_fifo_is_refused_without_waiting_for_a_writer(tmp_path, capsys):
    fifo = tmp_path / "run.jsonl"
    os.mkfifo(fifo)
    # A writer that opens and closes at once: a reader that opens the FIFO gets an empty file
    # (and the test cannot hang); one that checks first never opens it.
    writer = threading.Thread(target=lambda: os.close(os.open(fifo, os.O_WRONLY)), daemon=True)
    writer.start()
    try:
        code, _, err = cli(capsys, tmp_path)
    finally:
        # Release the writer whenever it gets to its open(): hold a read end open while waiting
        # for it (opening and closing at once could come before the writer's open and leave it
        # blocked for ever).
        while writer.is_alive():
            fd = os.open(fifo, os.O_RDONLY | os.O_NONBLOCK)
            writer.join(0.05)
            os.close(fd)
    assert_one_line_exit_2(code, err, "FIFO", "not a regular file")


@pytest.mark.skipif(sys.platform == "win32" or not os.path.exists("/dev/null"), reason="no /dev/null")
def test_a_link_to_a_device_is_refused(tmp_path, capsys):
    os.symlink("/dev/null", tmp_path / "run.jsonl")
    code, _, err = cli(capsys, tmp_path)
    assert_one_line_exit_2(code, err, "character device", "not a regular file")
    if os.path.exists("/dev/zero"):  # endless: only reached once /dev/null is refused unread
        os.unlink(tmp_path / "run.jsonl")
        os.symlink("/dev/zero", tmp_path / "run.jsonl")
        code, _, err = cli(capsys, tmp_path)
        assert_one_line_exit_2(code, err, "character device")


def test_a_directory_named_run_jsonl_is_refused(tmp_path, capsys):
    (tmp_path / "run.jsonl").mkdir()
    code, _, err = cli(capsys, tmp_path / "run.jsonl")  # a path to a directory: its run.jsonl
    assert_one_line_exit_2(code, err, "no such file")
    code, _, err = cli(capsys, tmp_path)
    assert_one_line_exit_2(code, err, "a directory")


def test_only_the_first_max_bytes_are_read_and_a_note_says_so(tmp_path):
    lines = seed_lines()
    write(tmp_path, lines)
    cap = sum(len(x) + 1 for x in lines[:10]) + 5  # ends 5 bytes into line 11
    hist = read_run(tmp_path, max_bytes=cap)
    assert len(hist.steps) + len(hist.events) + len(hist.epochs) + len(hist.plateau) + 1 <= 10
    assert any("only the first" in n and "not judged" in n for n in hist.notes), hist.notes
    assert not any("truncated" in n or "corrupt" in n for n in hist.notes), hist.notes
    exact = read_run(tmp_path, max_bytes=(tmp_path / "run.jsonl").stat().st_size)
    assert not any("only the first" in n for n in exact.notes)


def test_a_line_over_the_length_limit_is_skipped_and_the_rest_read(tmp_path):
    lines = seed_lines()
    lines.insert(2, json.dumps({"type": "event", "kind": "x", "blob": "y" * 5000}))
    lines.insert(3, "z" * 20_000)  # no newline for a long way: drained in pieces
    write(tmp_path, lines)
    full = read_run(tmp_path)
    hist = read_run(tmp_path, max_line=4096)
    assert len(hist.steps) == len(full.steps) and hist.end is not None
    assert any("skipped 2 corrupt line(s) (2 longer than 4 KiB)" in n for n in hist.notes), hist.notes


def test_lone_surrogates_and_bad_utf8_do_not_break_printing(tmp_path, capsys):
    recs = records()
    lines = dumps(recs)
    lines.insert(2, '{"type": "event", "kind": "note", "text": "bad \\ud800 name"}')
    lines.insert(3, b'{"type": "event", "kind": "note", "text": "\xff\xfe"}'.decode("latin-1"))
    (tmp_path / "run.jsonl").write_bytes("\n".join(lines).encode("utf-8").replace("ÿþ".encode(), b"\xff\xfe") + b"\n")
    code, out, err = cli(capsys, tmp_path)
    assert code in (0, 1) and "bad \ufffd name" in out, err


def test_an_error_of_ours_while_judging_is_one_line_and_exit_2(tmp_path, capsys, monkeypatch):
    import torchvitals.offline

    def broken(history):
        raise ZeroDivisionError("a bug")

    monkeypatch.setattr(torchvitals.offline, "diagnose_history", broken)
    write(tmp_path, seed_lines())
    with pytest.raises(RunFileError, match="ZeroDivisionError: a bug"):
        torchvitals.diagnose(tmp_path)
    code, _, err = cli(capsys, tmp_path)
    assert_one_line_exit_2(code, err, "ZeroDivisionError")


def test_control_characters_in_the_path_do_not_reach_the_terminal(tmp_path, capsys):
    code, _, err = cli(capsys, tmp_path / "\x1b[2Jnope")
    assert_one_line_exit_2(code, err, "\\x1b[2Jnope")
    assert "\x1b" not in err


# Found by tests/test_reader_fuzz.py: records that used to pass the reader and then broke a rule
# (listed as "rule error") or the printed diagnosis.


@pytest.mark.parametrize("bad", [{"severity": 3}, {"severity": "fatal"}, {"where": "loss"}, {"step": "x"}, {"message": None}])
def test_a_malformed_live_finding_event_is_skipped(tmp_path, capsys, bad):
    recs = records()
    live = {"code": "TV999", "name": "made-up", "severity": "warning", "message": "m", "where": ["a"], "step": 1, "fix": "f"}
    recs.insert(3, {"type": "event", "kind": "finding", "finding": {**live, **bad}})
    diag = torchvitals.diagnose(write(tmp_path, dumps(recs)))
    assert any("event 'finding." in n for n in diag.notes), diag.notes
    assert not any(f.name == "made-up" for f in diag.withdrawn)
    code, _, err = cli(capsys, tmp_path)
    assert code in (0, 1) and "Traceback" not in err


def test_a_plateau_record_without_its_metric_is_skipped(tmp_path):
    recs = records()
    i = next(k for k, r in enumerate(recs) if r["type"] == "plateau")
    del recs[i]["metric"]
    diag = torchvitals.diagnose(write(tmp_path, dumps(recs)))
    assert any("plateau 'metric'" in n for n in diag.notes), diag.notes
    assert not any(v.startswith("rule error") for v in diag.unjudged.values()), diag.unjudged


def test_a_record_that_add_cannot_take_costs_that_record_not_the_run(tmp_path, monkeypatch):
    from torchvitals.record import History

    original = History.add

    def add(self, rec):
        if rec.get("type") == "epoch" and rec.get("epoch") == 2:
            raise KeyError("a bug")
        original(self, rec)

    monkeypatch.setattr(History, "add", add)
    hist = read_run(write(tmp_path, seed_lines()))
    assert [e["epoch"] for e in hist.epochs] == [1, 3] and hist.end is not None
    assert any("1 that torchvitals failed to take (KeyError)" in n for n in hist.notes), hist.notes
