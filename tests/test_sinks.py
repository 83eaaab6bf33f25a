"""Dashboard sinks: what TensorBoard, W&B (offline) and MLflow (file store) receive, read back
through each library's own reader, equals what run.jsonl holds; choosing sinks by keyword,
environment and `torchvitals run --sink`; a missing library costs a note, never the run."""

from __future__ import annotations

import glob
import json
import math
import struct
import time
from pathlib import Path

import pytest
import torch
from torch import nn

import torchvitals
from torchvitals.cli import main
from torchvitals.config import resolve
from torchvitals.record import History
from torchvitals.sinks import chosen
from torchvitals.sinks.scalars import epoch_scalars, step_scalars

ROOT = Path(__file__).resolve().parents[1]


def _train(sinks: list, out: Path, steps: int = 24, **options: object) -> torchvitals.Monitor:
    """A small regression with clipping and a validation pass per 8 steps (epoch records)."""
    torch.manual_seed(0)
    model = nn.Sequential(nn.Linear(6, 16), nn.ReLU(), nn.Linear(16, 1))
    opt = torch.optim.SGD(model.parameters(), lr=0.05)
    mon = torchvitals.watch(model, opt, sinks=sinks, out=str(out), console=False, every=4, **options)
    gen = torch.Generator().manual_seed(1)
    for i in range(steps):
        x = torch.randn(32, 6, generator=gen)
        y = x[:, :1] * 2
        pred = model(x)
        loss = nn.functional.mse_loss(pred, y)
        mon.observe(pred, y, loss)
        opt.zero_grad()
        loss.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), 0.5)
        opt.step()
        if (i + 1) % 8 == 0:
            with torch.no_grad():
                xv = torch.randn(64, 6, generator=gen)
                pv = model(xv)
                mon.observe(pv, xv[:, :1] * 2, nn.functional.mse_loss(pv, xv[:, :1] * 2), split="val")
            mon.epoch_end()
    mon.close()
    return mon


def _expected(run_dir: Path) -> dict[str, dict[int, float]]:
    """tag → {iteration: value}, from run.jsonl."""
    history = History()
    out: dict[str, dict[int, float]] = {}
    for rec in _records(run_dir):
        history.add(rec)
        if rec.get("type") == "step":
            scalars = step_scalars(history, rec)
        elif rec.get("type") == "epoch":
            scalars = epoch_scalars(rec)
        else:
            continue
        for tag, v in scalars.items():
            out.setdefault(tag, {})[rec["it"]] = v
    return out


def _records(run_dir: Path) -> list[dict]:
    return [json.loads(line) for line in (run_dir / "run.jsonl").read_text().splitlines()]


def _check_against_record(run_dir: Path, got: dict[str, dict[int, float]], rel: float) -> None:
    want = _expected(run_dir)
    assert set(got) == set(want), (sorted(set(want) - set(got)), sorted(set(got) - set(want)))
    for tag, series in want.items():
        assert set(got[tag]) == set(series), tag
        for it, v in series.items():
            assert math.isclose(got[tag][it], v, rel_tol=rel, abs_tol=1e-30), (tag, it, got[tag][it], v)
    # And against the raw record, independently of the formatting code.
    steps = [r for r in _records(run_dir) if r.get("type") == "step" and r.get("clip")]
    assert steps, "clip_grad_norm_ ran: the records carry the pre-clip norm"
    for r in steps:
        assert math.isclose(got["torchvitals/grad_norm/preclip"][r["it"]], r["clip"]["pre"], rel_tol=rel)
        assert math.isclose(got["torchvitals/bucket_grad_norm/2"][r["it"]], math.hypot(*r["g"][2:4]), rel_tol=max(rel, 1e-6))
        if r.get("out", {}).get("loss") is not None:
            assert math.isclose(got["torchvitals/loss/train"][r["it"]], r["out"]["loss"], rel_tol=rel)
    assert any(t.startswith("torchvitals/epoch/val/") for t in got)


def test_tensorboard_event_file_matches_record(tmp_path: Path) -> None:
    from tensorboard.backend.event_processing.event_accumulator import EventAccumulator

    mon = _train(["tensorboard"], tmp_path)
    run_dir = Path(mon.run_dir)
    acc = EventAccumulator(str(run_dir), size_guidance={"scalars": 0, "tensors": 0})
    acc.Reload()
    got = {tag: {e.step: e.value for e in acc.Scalars(tag)} for tag in acc.Tags()["scalars"]}
    _check_against_record(run_dir, got, rel=1e-6)  # TensorBoard keeps float32
    texts = acc.Tags()["tensors"]
    assert "torchvitals/diagnosis/text_summary" in texts


def _wandb_records(path: str) -> list:
    """The records of an offline W&B run file: a 7-byte header, then LevelDB-style log blocks of
    32 KiB whose chunks (4-byte checksum, 2-byte length, 1-byte type) join into records."""
    from wandb.proto import wandb_internal_pb2 as pb

    data = Path(path).read_bytes()
    assert data[:4] == b":W&B"
    out, pending, pos, block = [], b"", 7, 32768
    while pos + 7 <= len(data):
        if block - pos % block < 7:  # a block's tail too short for a header is padding
            pos += block - pos % block
            continue
        _, length, kind = struct.unpack("<IHB", data[pos : pos + 7])
        chunk = data[pos + 7 : pos + 7 + length]
        pos += 7 + length
        if kind == 0 and length == 0:
            continue
        pending += chunk
        if len(chunk) < length:
            break  # the writer is not done with this record yet
        if kind in (1, 4):  # FULL or LAST
            rec = pb.Record()
            rec.ParseFromString(pending)
            out.append(rec)
            pending = b""
    return out


def test_wandb_offline_history_matches_record(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    pytest.importorskip("wandb")
    monkeypatch.setenv("WANDB_MODE", "offline")
    monkeypatch.setenv("WANDB_SILENT", "true")
    monkeypatch.setenv("WANDB_DIR", str(tmp_path))
    mon = _train(["wandb"], tmp_path)
    run_dir = Path(mon.run_dir)
    [path] = glob.glob(str(run_dir / "wandb" / "offline-run-*" / "run-*.wandb"))
    records = _wandb_records(path)
    deadline = time.monotonic() + 300  # a hang guard only: W&B's service finishes the file after finish() returns
    while not any(r.WhichOneof("record_type") == "exit" for r in records) and time.monotonic() < deadline:
        time.sleep(0.2)
        records = _wandb_records(path)
    got: dict[str, dict[int, float]] = {}
    summary: dict[str, str] = {}
    for rec in records:
        kind = rec.WhichOneof("record_type")
        if kind == "history":
            row = {(i.key or "/".join(i.nested_key)): json.loads(i.value_json) for i in rec.history.item}
            it = row.get("torchvitals/iteration")
            for k, v in row.items():
                if k.startswith("torchvitals/") and k != "torchvitals/iteration":
                    got.setdefault(k, {})[it] = v
        elif kind == "summary":
            summary.update({(i.key or "/".join(i.nested_key)): json.loads(i.value_json) for i in rec.summary.update})
    _check_against_record(run_dir, got, rel=1e-12)
    assert "healthy" in summary.get("torchvitals/diagnosis", "").lower() or "finding" in summary.get("torchvitals/diagnosis", "").lower()


def test_mlflow_metrics_match_record(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    pytest.importorskip("mlflow")
    from mlflow.tracking import MlflowClient

    uri = f"file:{tmp_path / 'mlruns'}"
    monkeypatch.setenv("MLFLOW_TRACKING_URI", uri)
    monkeypatch.setenv("MLFLOW_ALLOW_FILE_STORE", "true")
    mon = _train(["mlflow"], tmp_path)
    run_dir = Path(mon.run_dir)
    client = MlflowClient(uri)
    [run] = client.search_runs([client.get_experiment_by_name("torchvitals").experiment_id])
    assert run.info.run_name == run_dir.name and run.info.status == "FINISHED"
    got = {
        key: {m.step: m.value for m in client.get_metric_history(run.info.run_id, key)}
        for key in run.data.metrics
    }
    _check_against_record(run_dir, got, rel=1e-12)
    texts = {a.path for a in client.list_artifacts(run.info.run_id, "torchvitals")}
    assert "torchvitals/diagnosis.txt" in texts


def test_sinks_from_environment_and_bad_names(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TORCHVITALS_SINKS", "TensorBoard, nosuchboard")
    with pytest.warns(UserWarning, match="nosuchboard"):
        assert resolve().sinks == ["tensorboard"]  # an unknown name from the environment: left out
    assert resolve(sinks="mlflow,wandb").sinks == ["mlflow", "wandb"]  # the keyword wins
    monkeypatch.delenv("TORCHVITALS_SINKS")
    with pytest.raises(ValueError, match="nosuchboard"):
        resolve(sinks=["nosuchboard"])  # in code: a typo is an error before training starts


def test_missing_library_is_a_note_not_a_crash(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(chosen._KNOWN, "wandb", ("torchvitals_no_such_module", "X", "wandb"))
    mon = _train(["wandb"], tmp_path, steps=6)
    diag = mon.close()
    assert any("pip install 'torchvitals[wandb]'" in n for n in diag.notes), diag.notes
    assert (Path(mon.run_dir) / "findings.json").exists()


def test_run_cli_sink_option(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    script = tmp_path / "train.py"
    script.write_text(
        "import torch\nfrom torch import nn\ntorch.manual_seed(0)\n"
        "m = nn.Linear(4, 1)\nopt = torch.optim.SGD(m.parameters(), lr=0.1)\n"
        "for _ in range(12):\n    x = torch.randn(8, 4)\n    loss = ((m(x) - x[:, :1]) ** 2).mean()\n"
        "    opt.zero_grad(); loss.backward(); opt.step()\n"
    )
    args = ["run", "--out", str(tmp_path / "runs"), "--sink", "tensorboard", str(script)]
    assert main(args) == 0
    assert glob.glob(str(tmp_path / "runs" / "*" / "events.out.tfevents.*"))
    assert main(["run", "--out", str(tmp_path / "runs"), "--sink", "tensorbored", str(script)]) == 2
    assert "tensorbored" in capsys.readouterr().err


@pytest.mark.parametrize(
    ("uri", "local"),
    [("file:/tmp/mlruns", True), ("mlruns", True), ("/data/mlruns", True), ("http://127.0.0.1:5000", False),
     ("https://mlflow.example.com", False), ("databricks", False), ("sqlite:///mlflow.db", False)],
)  # fmt: skip
def test_mlflow_local_file_store_is_written_synchronously(uri, local):
    """MLflow's asynchronous logging loses batches against a local file store (its threads race
    to create a metric's folder): such a store is written synchronously, a server is not."""
    from torchvitals.sinks.mlflow import _local_store

    assert _local_store(uri) is local
