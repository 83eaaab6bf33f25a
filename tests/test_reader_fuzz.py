"""Hypothesis: run files built from a real run's records and then mutated (wrong types, missing
fields, extreme numbers, deep nesting, long lines, truncation, garbage bytes) never make the
reader, the rules or the CLI raise: `diagnose` returns a Diagnosis or raises RunFileError, and
`torchvitals diagnose` exits 0, 1 or 2 without a traceback."""

from __future__ import annotations

import contextlib
import copy
import io
import json
import math

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from reader_seed import seed_lines

import torchvitals
from torchvitals.cli import main
from torchvitals.findings import Diagnosis
from torchvitals.record import RunFileError, read_run
from torchvitals.sinks.console import print_diagnosis

FUZZ = settings(deadline=None, suppress_health_check=list(HealthCheck))

# Values that do not belong where they land. Raw JSON text (not a Python value) is marked RAW:
# json.dumps cannot write a 400-digit literal or 1e999 into a float field.
RAW = "\x00raw:"
HOSTILE = st.one_of(
    st.sampled_from([
        None, True, False, 0, -1, 2**63, -(2**63) - 1, 1e308, -1e308, 5e-324, math.nan, math.inf, -math.inf,
        "", "x", "\x1b[2J\x1b]0;title\x07", "\ud800", "[{", [], {}, [None], [1e308, -1e308], {"a": {"b": [1]}},
        [[[[1]]]], ["x", 1], RAW + "1" + "0" * 400, RAW + "9" * 5000, RAW + "1e999", RAW + "-0",
    ]),
    st.integers(),
    st.floats(),
    st.text(max_size=6),
    st.lists(st.one_of(st.none(), st.floats(), st.integers(-3, 3)), max_size=6),
).map(copy.deepcopy)  # a later mutation must not change the constants above


def _containers(x, path=()):
    """Every (path, container) inside a record, the record itself first."""
    yield path, x
    items = x.items() if isinstance(x, dict) else enumerate(x) if isinstance(x, list) else ()
    for k, v in items:
        if isinstance(v, (dict, list)):
            yield from _containers(v, (*path, k))


_SEED: list[str] = []


def _seed() -> list[dict]:
    """A fresh copy of the seed run's records, with the events a run writes when a probe fails."""
    if not _SEED:
        recs = [json.loads(line) for line in seed_lines()]
        recs[2:2] = [  # events the seed's loop does not produce, as monitor.event writes them
            {"type": "event", "kind": "note", "text": "a note"},
            {"type": "event", "kind": "probe-error", "probe": "activations", "error": "boom"},
            {"type": "event", "kind": "gated-skip", "it": 2, "count": 1, "reason": "nonfinite", "norm": 1e9, "call": 2},
            {"type": "event", "kind": "dataloader", "it": 3, "count": 1, "loader": "train", "wait": 0.5, "work": 0.1,
             "batches": 40, "steps": 40, "first_wait": 0.1, "num_workers": 0, "pin_memory": False, "batch_size": 8},
            {"type": "event", "kind": "loss-input-shape", "it": 3, "count": 1, "text": "shapes differ", "pred": [8, 1]},
            {"type": "event", "kind": "degeneracy-reset", "it": 4, "count": 1, "std": 1e-9, "head": "head"},
        ]
        recs.insert(-1, {"type": "event", "kind": "script-error", "it": 13, "count": 1, "error": "ValueError: x"})
        _SEED.append(json.dumps(recs))
    return json.loads(_SEED[0])


@st.composite
def mutated_records(draw) -> list[dict]:
    recs = _seed()
    for _ in range(draw(st.integers(1, 6))):
        i = draw(st.integers(0, len(recs) - 1))
        op = draw(st.sampled_from(["set", "set", "set", "delete", "resize", "retype", "duplicate", "move"]))
        if op == "retype":
            recs[i]["type"] = draw(st.sampled_from(["header", "layout", "step", "event", "epoch", "plateau", "end", "?", 1]))
            continue
        if op == "duplicate":
            recs.insert(draw(st.integers(0, len(recs))), json.loads(json.dumps(recs[i])))
            continue
        if op == "move":
            recs.insert(draw(st.integers(0, len(recs) - 1)), recs.pop(i))
            continue
        spots = list(_containers(recs[i]))
        _, box = spots[draw(st.integers(0, len(spots) - 1))]
        keys = list(box.keys()) if isinstance(box, dict) else list(range(len(box)))
        if op == "resize" and isinstance(box, list):
            n = draw(st.integers(0, len(box) + 3))
            box[:] = (box + [draw(HOSTILE)] * n)[:n] if box else [draw(HOSTILE)] * n
        elif op == "delete" and keys:
            del box[draw(st.sampled_from(keys))]
        elif keys:
            key = draw(st.sampled_from(keys + ["extra"])) if isinstance(box, dict) else draw(st.sampled_from(keys))
            box[key] = draw(HOSTILE)
    return recs


def _text(recs: list[dict]) -> str:
    lines = []
    for rec in recs:
        line = json.dumps(rec)
        while RAW.encode("unicode_escape").decode() in line or "\\u0000raw:" in line:
            start = line.index('"\\u0000raw:')
            end = line.index('"', start + 1)
            line = line[:start] + line[start + len('"\\u0000raw:') : end] + line[end + 1 :]
        lines.append(line)
    return "\n".join(lines) + "\n"


GARBAGE = st.one_of(
    st.binary(max_size=60).map(lambda b: b.decode("latin-1")),
    st.text(max_size=60),
    st.integers(1, 3000).map(lambda n: "[" * n + "]" * n),
    st.integers(1, 3000).map(lambda n: '{"a":' * n + "1" + "}" * n),
    st.just('{"type":"step","opt":0,"it":' + "7" * 5000 + "}"),
    st.just('{"type":"event","kind":"note","text":"' + "n" * 70_000 + '"}'),  # over the test's line cap
    st.just("\x00" * 100),
)


@st.composite
def run_files(draw) -> bytes:
    text = _text(draw(mutated_records()))
    lines = text.split("\n")
    for _ in range(draw(st.integers(0, 3))):
        lines.insert(draw(st.integers(0, len(lines))), draw(GARBAGE))
    data = "\n".join(lines).encode("utf-8", errors="surrogatepass")
    if draw(st.booleans()):
        data = data[: draw(st.integers(0, len(data)))]  # the run died mid-write
    return data


def _diagnose_never_raises_anything_else(path) -> Diagnosis | None:
    try:
        diag = torchvitals.diagnose(path)
    except RunFileError:
        return None
    assert isinstance(diag, Diagnosis)
    assert not any("failed to take" in n for n in diag.notes), diag.notes  # the schema let in what add() cannot take
    errors = {k: v for k, v in diag.unjudged.items() if v.startswith("rule error")}
    assert not errors, errors  # a record that passed the schema must not break a rule
    json.dumps(diag.to_dict(), default=str)
    print_diagnosis(diag, io.StringIO())
    return diag


@pytest.fixture(scope="module")
def fuzz_dir(tmp_path_factory):
    seed_lines()  # train the seed once, outside the examples
    return tmp_path_factory.mktemp("fuzz")


@settings(FUZZ, max_examples=300)
@given(data=run_files())
def test_mutated_runs_read_into_a_history_or_a_run_file_error(fuzz_dir, data):
    """The reader alone (the cheap part): thousands of files a run."""
    path = fuzz_dir / "read.jsonl"
    path.write_bytes(data)
    try:
        hist = read_run(path, max_line=65_536)
    except RunFileError:
        return
    assert hist.header and all(isinstance(n, str) for n in hist.notes)
    assert not any("failed to take" in n for n in hist.notes), hist.notes


@settings(FUZZ, max_examples=300)
@given(data=run_files())
def test_mutated_runs_diagnose_or_raise_run_file_error(fuzz_dir, data):
    path = fuzz_dir / "diag.jsonl"
    path.write_bytes(data)
    _diagnose_never_raises_anything_else(path)


@settings(FUZZ, max_examples=100)
@given(data=run_files(), as_json=st.booleans())
def test_mutated_runs_never_end_the_cli_in_a_traceback(fuzz_dir, data, as_json):
    path = fuzz_dir / "cli.jsonl"
    path.write_bytes(data)
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        code = main(["diagnose", *(["--json"] if as_json else []), str(path)])
    assert code in (0, 1, 2)
    assert "Traceback" not in err.getvalue()
    if code == 2:
        assert len(err.getvalue().strip().splitlines()) == 1, err.getvalue()
    if as_json and code != 2:
        json.loads(out.getvalue(), parse_constant=float)
