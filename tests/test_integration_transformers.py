"""The Hugging Face Trainer under torchvitals: `VitalsCallback` on a real `transformers.Trainer`
(a 2-layer BERT from a config, CPU, tests/scripts/hf_trainer.py), a healthy run and three
seeded faults, each found while the healthy run stays silent; gradient accumulation, clipping and
bf16; a callback that fails never stops training; and `torchvitals run` on the unmodified script
giving the callback's findings."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest

pytest.importorskip("transformers")
pytest.importorskip("accelerate")
sys.path.insert(0, str(Path(__file__).parent / "scripts"))

from hf_trainer import build  # noqa: E402  (conftest puts tests/ on sys.path; scripts/ below)

from torchvitals.cli import main  # noqa: E402
from torchvitals.integrations.transformers import VitalsCallback  # noqa: E402

SCRIPT = Path(__file__).parent / "scripts" / "hf_trainer.py"
SEVERITY = {"info": 0, "warning": 1, "error": 2}
FAULTS = {"unused-module": "dead-parameters", "partial-opt": "unoptimized-parameters",
          "lr-zero": "parameters-not-moving"}


def problems(diag) -> set[str]:
    return {f.name for f in diag.findings if SEVERITY[f.severity] >= 1}


def train(tmp_path: Path, fault: str | None = None, **overrides):
    cb = VitalsCallback(out=str(tmp_path), console=False)
    trainer = build(fault, callbacks=[cb], **overrides)
    trainer.train()
    assert cb.diagnosis is not None and cb.monitor is None  # closed at train end
    return cb, trainer


def records(diag, kind: str = "step") -> list[dict]:
    lines = (Path(diag.run_dir) / "run.jsonl").read_text().splitlines()
    return [r for r in map(json.loads, lines) if r["type"] == kind]


@pytest.fixture(scope="module")
def healthy(tmp_path_factory):
    return train(tmp_path_factory.mktemp("healthy"))[0].diagnosis


def test_healthy_trainer_run_is_silent(healthy):
    assert healthy.judged and not problems(healthy)
    steps = records(healthy)
    assert steps and steps[-1]["counters"]["skipped"] == 0
    assert steps[-1]["counters"]["sched_steps"] > 0  # the Trainer's scheduler, through Accelerate's wrapper
    # The Trainer's logged loss reached the record and the epochs.
    assert any("loss" in r.get("out", {}) for r in steps)
    assert any(e.get("metrics", {}).get("train", {}).get("loss") for e in records(healthy, "epoch"))


@pytest.mark.parametrize("fault", sorted(FAULTS))
def test_seeded_fault_is_found_and_healthy_twin_silent(tmp_path, healthy, fault):
    diag = train(tmp_path, fault)[0].diagnosis
    assert FAULTS[fault] in problems(diag)
    assert FAULTS[fault] not in {f.name for f in healthy.findings}


def test_gradient_accumulation_is_not_skipped_steps(tmp_path):
    cb, trainer = train(tmp_path, gradient_accumulation_steps=2, max_steps=6)
    c = records(cb.diagnosis)[-1]["counters"]
    assert c["max_accum"] == 2 and c["skipped"] == 0 and c["backward"] == 2 * c["steps"]
    assert not problems(cb.diagnosis)


def test_pre_clip_norm_is_the_trainers_grad_norm(tmp_path):
    cb, trainer = train(tmp_path, max_grad_norm=0.01, max_steps=5)
    logged = {h["step"]: h["grad_norm"] for h in trainer.state.log_history if "grad_norm" in h}
    clips = {r["it"]: r["clip"] for r in records(cb.diagnosis) if "clip" in r}
    assert set(clips) == set(logged) == {1, 2, 3, 4, 5}
    for it, clip in clips.items():
        assert clip["max"] == pytest.approx(0.01)
        assert clip["pre"] == pytest.approx(logged[it], rel=1e-4) and clip["pre"] > 0.01
    assert not problems(cb.diagnosis)


def test_bf16_on_cpu(tmp_path):
    cb, trainer = train(tmp_path, bf16=True, max_steps=6)
    assert cb.diagnosis.judged and not problems(cb.diagnosis)


def test_report_to_names_the_same_sinks(tmp_path):
    cb, _ = train(tmp_path, report_to=["tensorboard"], max_steps=2)
    assert list(Path(cb.diagnosis.run_dir).glob("events.out.tfevents.*"))  # torchvitals' scalars


def test_a_failing_callback_never_stops_training(tmp_path, capsys):
    cb = VitalsCallback(out=str(tmp_path), console=False, no_such_option=1)
    trainer = build(callbacks=[cb], max_steps=2)
    trainer.train()
    assert trainer.state.global_step == 2
    err = capsys.readouterr().err
    assert err.count("torchvitals: on_train_begin failed") == 1 and "training goes on" in err


@pytest.mark.parametrize("fault", [None, "partial-opt"])
def test_torchvitals_run_gives_the_callbacks_findings(tmp_path, fault):
    args = ["--fault", fault] if fault else []
    code = main(["run", "--out", str(tmp_path), "--name", "r", str(SCRIPT), *args])
    found = json.loads((tmp_path / "r" / "findings.json").read_text())
    names = {f["name"] for f in found["findings"] if SEVERITY[f["severity"]] >= 1}
    assert code == 0
    via_callback = problems(train(tmp_path / "cb", fault)[0].diagnosis)
    assert names == via_callback
    runs = [p for p in tmp_path.iterdir() if p.name != "cb"]
    assert len(runs) == 1  # one monitor: the callback joined the run's, it made no second one


def test_eval_metrics_are_the_epochs_val(tmp_path):
    from hf_trainer import Tokens

    cb, _ = train(tmp_path, eval_dataset=Tokens(16, seed=1), eval_strategy="epoch", max_steps=8)
    vals = [e["val"] for e in records(cb.diagnosis, "epoch") if e.get("val")]
    assert vals and all("loss" in v for v in vals)


def test_run_measures_val_at_every_evaluation_of_a_datasets_eval_set(tmp_path):
    """The Trainer hands each evaluation a new copy of a `datasets.Dataset` eval set (without
    the columns the model does not take): each is the same evaluation set. Before, only the first
    evaluation was VAL and the others were kept out as another dataset's."""
    pytest.importorskip("datasets")
    log = tmp_path / "eval.json"
    code = main(["run", "--out", str(tmp_path), "--name", "r", str(SCRIPT), "--datasets", "--eval-log", str(log),
                 "max_steps=24"])
    assert code == 0
    lines = [json.loads(x) for x in (tmp_path / "r" / "run.jsonl").read_text().splitlines()]
    val = [e["metrics"]["val"]["loss"] for e in lines if e["type"] == "epoch"]
    # Every evaluation, each over the whole set, its batches (16, 16 and 8) weighted by their
    # samples as the Trainer weighs them (before, a mean of the batch means: 1.5% off).
    assert val == pytest.approx(json.loads(log.read_text()), rel=1e-4)
    assert len(val) == 3 and not [e for e in lines if e["type"] == "event" and "kept out" in e.get("text", "")]


def test_run_waits_for_the_trainer_module_without_importing_it(tmp_path, monkeypatch):
    """The import hook of `torchvitals run`: nothing imported ahead, the module wrapped once
    the script loads it (a stand-in package here: transformers is already imported)."""
    from torchvitals.integrations import trainer_hook

    pkg = tmp_path / "tvstandin"
    pkg.mkdir()
    (pkg / "__init__.py").write_text("")
    (pkg / "trainer.py").write_text("class Trainer:\n    pass\n")
    monkeypatch.syspath_prepend(str(tmp_path))
    monkeypatch.setattr(trainer_hook, "MODULE", "tvstandin.trainer")
    seen = []
    finder = trainer_hook._AfterImport(seen.append)
    monkeypatch.setattr(sys, "meta_path", [finder, *sys.meta_path])
    import tvstandin  # noqa: F401

    assert not seen and "tvstandin.trainer" not in sys.modules
    import tvstandin.trainer

    assert seen == [tvstandin.trainer]
