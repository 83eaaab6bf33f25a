"""`torchvitals report`: the data it extracts from hand-made records (including missing and
corrupt input), the escaping of every name from the run, and the verb's exit codes."""

from __future__ import annotations

import io
import json
from pathlib import Path

from torchvitals.cli import main
from torchvitals.report import write_report
from torchvitals.report.data import (
    MAX_COLUMNS,
    cell_state,
    collect,
    epoch_lines,
    heatmap,
    loader_split,
)
from torchvitals.report.html import render
from torchvitals.rules.updates import LR_LARGE, LR_SMALL
from torchvitals.sinks.progress import reading_bar, wants_bar

EVIL = "<script>alert(1)</script>"


def header(names: list[tuple[str, str]]) -> dict:
    params = [{"name": n, "short": n, "bucket": b, "shape": [4, 4], "numel": 16, "ndim": 2, "dtype": "float32", "trainable": True} for n, b in names]
    return {"type": "header", "schema": 1, "params": params, "optimizers": [{"type": "SGD", "groups": [{"params": list(range(len(names)))}]}], "options": {}}


def step(it: int, g: list, clip: dict | None = None, loss: float | None = None) -> dict:
    rec = {"type": "step", "opt": 0, "it": it, "stepped": True, "lr": [0.1], "g": g, "w": [1.0] * len(g), "d": [1e-3] * len(g),
           "counters": {"steps": it, "backward": it, "skipped": 0, "uncleared": 0, "sched_steps": 0}}
    if clip:
        rec["clip"] = clip
    if loss is not None:
        rec["out"] = {"loss": loss}
    return rec


def write_run(d: Path, recs: list[dict], findings: bool = True, tail: str = "", name: str = "run.jsonl") -> Path:
    d.mkdir(parents=True, exist_ok=True)
    (d / name).write_text("".join(json.dumps(r) + "\n" for r in recs) + tail)
    if findings:
        (d / "findings.json").write_text("{}")
    return d


TWO = [("enc.weight", "enc"), ("head.weight", "head")]


def test_cells_dead_vanishing_ok_by_the_rules_threshold():
    assert [cell_state(v, 1e-7) for v in (None, 0.0, 1e-9, 1e-3)] == ["dead", "dead", "vanishing", "ok"]


def test_heatmap_marks_a_dead_bucket_and_not_its_healthy_twin(tmp_path):
    dead = collect(write_run(tmp_path / "dead", [header(TWO)] + [step(i, [None, 0.5]) for i in range(1, 7)]))
    hm = dead.optimizers[0].heatmap
    assert hm.buckets == ["enc", "head"]
    assert set(hm.states[0]) == {"dead"} and set(hm.states[1]) == {"ok"}
    assert "enc" in hm.flagged  # dead-parameters names it
    healthy = collect(write_run(tmp_path / "ok", [header(TWO)] + [step(i, [0.3, 0.5]) for i in range(1, 7)]))
    assert {s for row in healthy.optimizers[0].heatmap.states for s in row} == {"ok"}
    assert healthy.optimizers[0].heatmap.flagged == []


def test_heatmap_bins_long_runs_keeping_the_largest_norm():
    its = list(range(1, 1001))
    grads = [{"a": 1e-9 if i != 500 else 1.0} for i in its]
    hm = heatmap(["a"], its, grads, 1e-7, set())
    assert len(hm.columns) <= MAX_COLUMNS and hm.per_column > 1
    assert hm.columns[0][0] == 1 and hm.columns[-1][1] == 1000
    col = next(c for c, (a, b) in enumerate(hm.columns) if a <= 500 <= b)
    assert hm.values[0][col] == 1.0 and hm.states[0][col] == "ok"
    assert hm.states[0].count("vanishing") == len(hm.columns) - 1


def test_clip_series_only_when_clipping_ran(tmp_path):
    clipped = collect(write_run(tmp_path / "c", [header(TWO)] + [step(i, [3.0, 4.0], clip={"pre": 50.0, "max": 1.0}) for i in range(1, 5)]))
    labels = [ln.label for ln in clipped.optimizers[0].norms]
    assert len(labels) == 3 and clipped.optimizers[0].norms[1].ys == [50.0] * 4
    assert clipped.optimizers[0].norms[0].ys == [5.0] * 4  # hypot(3, 4): the norm the step applied
    plain = collect(write_run(tmp_path / "p", [header(TWO)] + [step(i, [3.0, 4.0]) for i in range(1, 5)]))
    assert len(plain.optimizers[0].norms) == 1


def test_update_ratio_band_is_the_rules_and_ratios_are_true_ones(tmp_path):
    rep = collect(write_run(tmp_path / "r", [header(TWO)] + [step(i, [0.3, 0.5], loss=1.0 / i) for i in range(1, 5)]))
    assert rep.band == (LR_SMALL, LR_LARGE)
    v = rep.optimizers[0]
    assert v.ratio_kind == "true" and [ln.label for ln in v.ratios] == ["enc", "head"]
    assert v.ratios[0].ys == [1e-3] * 4  # ‖Δw‖/‖w‖ = 1e-3 / 1
    assert v.loss[0].ys == [1.0, 0.5, 1 / 3, 0.25]
    assert dict((n, val) for n, _, val in v.counters)["steps"] == 4


def test_epoch_lines_against_baselines():
    epochs = [{"epoch": e, "metrics": {"train": {"loss": 2.0 / e, "rmse": 1.0 / e}, "val": {"loss": 2.5 / e, "rmse": 1.2 / e, "base_rmse": 1.0}}} for e in (1, 2)]
    charts = dict(epoch_lines(epochs))
    assert set(charts) == {"loss", "RMSE"}
    rmse = charts["RMSE"]
    assert [(ln.label, ln.dashed) for ln in rmse] == [("train", False), ("val", False), ("mean predictor (val)", True)]
    # A loss only the script reported (epoch_end(train={...})) is drawn when none was measured.
    assert dict(epoch_lines([{"epoch": 1, "train": {"loss": 0.7}}]))["loss"][0].ys == [0.7]
    assert epoch_lines([{"epoch": 1}]) == []


def test_loader_split_sums_passes():
    ev = [{"kind": "dataloader", "loader": "loader0", "wait": 1.0, "work": 3.0, "batches": 10, "steps": 10},
          {"kind": "dataloader", "loader": "loader0", "wait": 1.0, "work": 1.0, "batches": 10, "steps": 10},
          {"kind": "note", "text": "x"}]
    (ld,) = loader_split(ev)
    assert (ld["wait"], ld["work"], ld["batches"], ld["passes"], ld["share"], ld["training"]) == (2.0, 4.0, 20, 2, 1 / 3, True)


def test_every_name_from_the_run_is_escaped(tmp_path):
    names = [(f"{EVIL}.weight", EVIL), ("head.weight", "head")]
    d = write_run(tmp_path / "e", [header(names), {"type": "event", "kind": "note", "text": f"note {EVIL}"}]
                  + [step(i, [None, 0.5]) for i in range(1, 7)])
    rep = collect(d)
    assert any(EVIL in w for f in rep.diagnosis.findings for w in f.where)
    page = render(rep)
    assert EVIL not in page and "<script" not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page
    assert page.count("&lt;script&gt;") >= 4  # the finding's message and where, the heatmap row, the note
    assert "script-src" not in page and "default-src 'none'" in page  # and nothing may run or load


def test_missing_findings_json_is_said(tmp_path):
    recs = [header(TWO)] + [step(i, [0.3, 0.5]) for i in range(1, 4)]
    assert any("findings.json is missing" in m for m in collect(write_run(tmp_path / "a", recs, findings=False)).missing)
    assert not any("findings.json" in m for m in collect(write_run(tmp_path / "b", recs)).missing)


def test_no_step_records_gives_a_report_that_says_so(tmp_path, capsys):
    d = write_run(tmp_path / "n", [header(TWO)])
    assert main(["report", str(d)]) == 1  # nothing judged: never called healthy
    page = (d / "report.html").read_text()
    assert "no step record" in page and "Nothing could be judged" in page
    assert "written to" in capsys.readouterr().out


def test_truncated_last_line_is_a_note_not_a_failure(tmp_path):
    d = write_run(tmp_path / "t", [header(TWO)] + [step(i, [0.3, 0.5]) for i in range(1, 5)], tail='{"type": "step", "opt": 0, "it": 9, "g": [0.')
    rep, path = write_report(d)
    assert path == d / "report.html" and any("truncated" in m for m in rep.missing)
    assert len(rep.optimizers[0].heatmap.columns) == 4


def test_empty_or_absent_run_exits_2_with_one_line(tmp_path, capsys):
    empty = write_run(tmp_path / "empty", [])
    assert main(["report", str(empty)]) == 2
    err = capsys.readouterr().err
    assert err.startswith("torchvitals report:") and "no header record" in err and "Traceback" not in err
    assert main(["report", str(tmp_path / "nowhere")]) == 2
    assert "no such file" in capsys.readouterr().err
    ok = write_run(tmp_path / "ok", [header(TWO)] + [step(i, [0.3, 0.5]) for i in range(1, 4)])
    assert main(["report", str(ok), "-o", str(tmp_path / "no-dir" / "r.html")]) == 2
    assert "cannot write" in capsys.readouterr().err


def test_output_option_json_and_exit_code(tmp_path, capsys):
    d = write_run(tmp_path / "j", [header(TWO)] + [step(i, [0.3, 0.5]) for i in range(1, 7)])
    out = tmp_path / "page.html"
    assert main(["report", str(d / "run.jsonl"), "-o", str(out), "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["report"] == str(out) and data["diagnosis"]["verdict"] == "healthy" and out.exists()


def test_multi_rank_directory_reports_rank_0(tmp_path):
    recs = [{**header(TWO), "dist": {"rank": 0, "world": 2}}] + [step(i, [0.3, 0.5]) for i in range(1, 4)]
    d = write_run(tmp_path / "ranks", recs, name="run.rank0.jsonl")
    write_run(d, [{**header(TWO), "dist": {"rank": 1, "world": 2}}], findings=False, name="run.rank1.jsonl")
    rep = collect(d)
    assert ("record", "run.rank0.jsonl") in rep.facts and any(k == "ranks" for k, _ in rep.facts)
    assert any("rank 1" in m for m in rep.missing)  # rank 1 ended without an end record


def test_progress_is_told_bytes_and_the_bar_needs_a_terminal(tmp_path):
    d = write_run(tmp_path / "p", [header(TWO)] + [step(i, [0.3, 0.5]) for i in range(1, 4)])
    seen: list[int] = []
    collect(d, progress=seen.append)
    assert seen == sorted(seen) and seen[-1] == (d / "run.jsonl").stat().st_size
    assert not wants_bar(io.StringIO(), 10**9)


def test_reading_bar_takes_bytes_read():
    bar, tell = reading_bar(100, "reading the run")
    with bar:
        tell(40)
        tell(100)
    assert bar.tasks[0].completed == 100 and bar.tasks[0].total == 100
