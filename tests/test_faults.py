"""Every seeded fault produces its finding; every healthy twin and control stays silent."""

import pytest
from cases import FAULTS, HEALTHY

from torchvitals.offline import diagnose
from torchvitals.record import read_run


def _key(diag):
    return sorted((f.name, f.severity, tuple(f.where), f.step, f.message) for f in diag.findings)


@pytest.mark.parametrize("case", sorted(FAULTS))
def test_fault_is_found_and_offline_agrees(case, tmp_path):
    fn, name, where = FAULTS[case]
    diag = fn(tmp_path)
    hits = [f for f in diag.at_least("warning") if f.name == name]
    assert hits, f"{case}: expected {name}, got {[(f.name, f.severity) for f in diag.findings]}"
    if where is not None:
        assert any(where in w for f in hits for w in f.where), [f.where for f in hits]
    for f in hits:
        assert f.code.startswith("TV") and f.fix and f.message and f.step is not None
    assert not [v for v in diag.unjudged.values() if v.startswith("rule error")], diag.unjudged
    # Offline diagnosis of the written record reaches exactly the same findings.
    assert _key(diagnose(tmp_path / "run")) == _key(diag)


@pytest.mark.parametrize("case", sorted(HEALTHY))
def test_healthy_run_has_no_warning(case, tmp_path):
    diag = HEALTHY[case](tmp_path)
    assert diag.healthy, [(f.name, f.message) for f in diag.at_least("warning")]
    assert not [v for v in diag.unjudged.values() if v.startswith("rule error")], diag.unjudged
    assert _key(diagnose(tmp_path / "run")) == _key(diag)


STRUCTURAL_WITHIN = {"strict-step-gate": 5, "unused-attn-pool": 3, "no-grad-submodule": 1,
                     "partial-optimizer": 1, "no-zero-grad": 2}


@pytest.mark.parametrize("case", sorted(STRUCTURAL_WITHIN))
def test_structural_faults_fire_within_first_iterations(case, tmp_path):
    fn, name, _ = FAULTS[case]
    diag = fn(tmp_path)
    first = min(f.step for f in diag.findings if f.name == name)
    assert first <= STRUCTURAL_WITHIN[case]


def test_vanishing_names_the_attenuating_blocks(tmp_path):
    diag = FAULTS["norm-stack"][0](tmp_path)
    (block,) = [f for f in diag.findings if f.name == "vanishing-gradient" and "blocks" in f.evidence]
    assert block.evidence["blocks"] == [f"stack.{i}" for i in range(5)]
    assert block.evidence["across_blocks"] > 1e9  # seed 000: 10^10 through the FAN→SAN stack
    bucket = [f for f in diag.findings if f.name == "vanishing-gradient" and f.where == ["feature_proj"]]
    assert bucket and bucket[0].evidence["norms"][-1] < 1e-7


def test_dead_zero_gradient_is_told_apart_from_missing(tmp_path):
    pool = FAULTS["unused-attn-pool"][0](tmp_path / "a")
    (f,) = [f for f in pool.findings if f.name == "dead-parameters"]
    assert f.evidence["kind"] == "zero"
    cut = FAULTS["no-grad-submodule"][0](tmp_path / "b")
    (f,) = [f for f in cut.findings if f.name == "dead-parameters"]
    assert f.evidence["kind"] == "missing" and "prompt_encoder.0.weight" in f.evidence["parameters"]


def test_gan_discards_are_not_skips(tmp_path):
    diag = HEALTHY["gan-two-optimizers"](tmp_path)
    d_counters = diag.summary["optimizers"][1]
    assert d_counters["discards"] > 100 and d_counters["skipped"] == 0 and d_counters["uncleared"] == 0


def test_step_gate_counts(tmp_path):
    diag = FAULTS["strict-step-gate"][0](tmp_path)
    (f,) = [f for f in diag.findings if f.name == "skipped-steps"]
    assert f.evidence["skipped"] >= 10 and f.evidence["steps"] >= 10  # half the batches skipped


def test_models_named_by_a_dict(tmp_path):
    HEALTHY["gan-two-optimizers"](tmp_path)
    names = {p["name"] for p in read_run(tmp_path / "run").params}
    assert "generator.net.0.weight" in names and "discriminator.0.weight" in names


@pytest.mark.parametrize("case", sorted(FAULTS) + ["mlp-regression", "lora-zero-init", "unfrozen-and-added",
                                                    "gan-two-optimizers", "clip-max-norm-one"])
def test_findings_do_not_need_old_parameter_lists(case, tmp_path, monkeypatch):
    """History keeps its last KEEP_RAW step records only, and what the rules read from the
    older ones folded into running summaries: with 2 (every case is then judged mostly from
    the folds) the findings are those of a History that keeps every record."""
    import torchvitals.record as record

    fn = FAULTS[case][0] if case in FAULTS else HEALTHY[case]
    full = _key(fn(tmp_path / "full"))
    monkeypatch.setattr(record, "KEEP_RAW", 2)
    slim = fn(tmp_path / "slim")
    assert _key(slim) == full
    assert _key(diagnose(tmp_path / "slim" / "run")) == full  # offline slims the same way
    hist = read_run(tmp_path / "slim" / "run")
    assert len(hist.steps) <= 2 < hist.n_steps  # it did slim


def test_vanishing_says_which_threshold_it_crossed():
    """A bucket a million times weaker than the strongest is reported as that, not as below
    warn_norm when its own norm is above it."""
    from torchvitals.diagnose import diagnose_history
    from torchvitals.record import History

    h = History()
    params = [{"name": n, "short": n, "bucket": n.split(".")[0], "shape": [4], "numel": 4, "ndim": 1,
               "dtype": "float32", "trainable": True} for n in ("enc.w", "head.w")]
    h.add({"type": "header", "params": params, "optimizers": [{"type": "SGD", "groups": [{"lr": 0.1, "params": [0, 1]}]}]})
    for it in range(1, 6):
        h.add({"type": "step", "opt": 0, "it": it, "stepped": True, "g": [1e-6, 10.0], "w": [1.0, 1.0], "lr": [0.1]})
    (f,) = [f for f in diagnose_history(h).findings if f.name == "vanishing-gradient"]
    assert f.where == ["enc"] and "1.0e+07× below the strongest bucket's 1.00e+01" in f.message
    assert "< 1e-07" not in f.message
