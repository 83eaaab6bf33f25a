"""Root causes outrank their symptoms: the diagnosis leads with the cause, marks each symptom
`follows_from` it, keeps the symptom's severity (and so the exit code), and says the same live,
offline, in findings.json, on the console and in the HTML report."""

from __future__ import annotations

import json

import torch
import torch.nn.functional as F
from cases import mlp, regression_data

import torchvitals
from torchvitals.findings import Diagnosis, Finding
from torchvitals.offline import diagnose
from torchvitals.report.data import collect
from torchvitals.report.html import render
from torchvitals.rules.causes import link_causes


def _train(tmp_path, clear: bool, lr: float = 1e-2) -> Diagnosis:
    """SGD with momentum on a small MLP; `clear=False` never calls zero_grad()."""
    torch.manual_seed(0)
    model = mlp()
    opt = torch.optim.SGD(model.parameters(), lr=lr, momentum=0.9)
    x, y = regression_data()
    g = torch.Generator().manual_seed(0)
    with torchvitals.watch(model, opt, every=5, out=str(tmp_path), name="run", console=False) as mon:
        for _ in range(60):
            i = torch.randint(0, len(x), (32,), generator=g)
            if clear:
                opt.zero_grad()
            F.mse_loss(model(x[i]), y[i]).backward()
            opt.step()
    return mon.diagnosis


def test_uncleared_gradients_lead_the_explosion_they_cause(tmp_path):
    diag = _train(tmp_path, clear=False, lr=3e-2)
    names = [f.name for f in diag.findings]
    assert "grads-not-cleared" in names and "exploding-gradient" in names, names
    cause = names.index("grads-not-cleared")
    symptoms = [f for f in diag.findings if f.follows_from == "grads-not-cleared"]
    assert symptoms and all(diag.findings.index(s) > cause for s in symptoms)
    assert diag.findings[cause].follows_from is None
    assert diag.exit_code() == 1  # symptoms keep their severity
    text = str(diag)
    assert text.index("grads-not-cleared") < text.index("exploding-gradient")
    assert "follows from grads-not-cleared (above)" in text
    # Offline, findings.json and the HTML report say the same.
    offline = diagnose(tmp_path / "run")
    assert [(f.name, f.severity, f.follows_from) for f in offline.findings] == [
        (f.name, f.severity, f.follows_from) for f in diag.findings
    ]
    saved = json.loads((tmp_path / "run" / "findings.json").read_text())["findings"]
    assert [(f["name"], f["follows_from"]) for f in saved] == [(f.name, f.follows_from) for f in diag.findings]
    html = render(collect(tmp_path / "run"))
    assert html.index("grads-not-cleared</b>") < html.index("exploding-gradient</b>")
    assert "follows from <code>grads-not-cleared</code>" in html


def test_a_symptom_without_its_cause_stands_alone(tmp_path):
    """Healthy control of the link: gradients cleared, a learning rate that explodes on its own.
    Whatever fires is not marked as following from anything."""
    diag = _train(tmp_path, clear=True, lr=3.0)
    assert diag.names("warning"), "the control must have a symptom to leave alone"
    assert "grads-not-cleared" not in diag.names()
    assert all(f.follows_from is None or f.follows_from in diag.names() for f in diag.findings)
    assert not any(f.follows_from == "grads-not-cleared" for f in diag.findings)


def _f(name: str, severity: str, step: int = 1, where: list[str] | None = None, **evidence) -> Finding:
    return Finding(code="TV000", name=name, severity=severity, message="", evidence=evidence, where=where or [], step=step)


def test_an_info_cause_is_raised_to_its_symptom_and_leads():
    """Everything but batch norm frozen (an info finding) explains a learning rate too large."""
    cause = _f("unoptimized-parameters", "info", share=0.9)
    symptom = _f("lr-too-large", "warning", step=5)
    found = [symptom, cause]
    link_causes(found)
    diag = Diagnosis(findings=found)
    assert [f.name for f in diag.findings] == ["unoptimized-parameters", "lr-too-large"]
    assert cause.severity == "warning" and cause.raised == {"from": "info", "by": "lr-too-large"}
    assert symptom.follows_from == "unoptimized-parameters" and symptom.severity == "warning"
    assert diag.exit_code() == 1
    assert "raised from INFO" in str(diag)


def test_a_small_deliberate_freeze_explains_nothing():
    """Control: a frozen backbone of 10% of the values does not explain the head's symptom."""
    cause = _f("unoptimized-parameters", "info", share=0.1)
    symptom = _f("lr-too-large", "warning", step=5)
    link_causes([symptom, cause])
    assert cause.severity == "info" and cause.raised is None and symptom.follows_from is None


def test_chains_resolve_to_the_root_and_conditions_hold():
    # grads-not-cleared → exploding-gradient → nonfinite-loss: both follow from the root.
    root, boom, nan = _f("grads-not-cleared", "warning", 2), _f("exploding-gradient", "warning", 10), _f("nonfinite-loss", "error", 12)
    link_causes([nan, boom, root])
    assert boom.follows_from == nan.follows_from == "grads-not-cleared"
    assert root.severity == "error" and root.raised == {"from": "warning", "by": "nonfinite-loss"}
    # An explosion seen after the NaN loss does not explain it; dead parameters explain only
    # their own parameters standing still.
    late, early = _f("exploding-gradient", "warning", 20), _f("nonfinite-loss", "error", 3)
    dead, other = _f("dead-parameters", "warning", where=["enc"]), _f("parameters-not-moving", "warning", where=["head"])
    link_causes([late, early, dead, other])
    assert early.follows_from is None and other.follows_from is None
    still = _f("parameters-not-moving", "warning", where=["enc"])
    link_causes([dead, still])
    assert still.follows_from == "dead-parameters"


def test_a_nan_loss_and_its_gradient_of_one_step_make_no_loop():
    loss, grad = _f("nonfinite-loss", "error", 3), _f("nonfinite-gradient", "error", 3)
    link_causes([grad, loss])
    assert grad.follows_from == "nonfinite-loss" and loss.follows_from is None
    # A few parameters that do not move (info) explain no stagnating loss.
    still, flat = _f("parameters-not-moving", "info"), _f("loss-not-decreasing", "warning", 40)
    link_causes([still, flat])
    assert flat.follows_from is None and still.severity == "info"


def test_a_deliberate_freeze_left_in_the_optimizer_explains_nothing_its_adapters_do():
    """LoRA over a frozen model, AdamW over model.parameters(): the frozen base (88% of the
    values, info) was raised to error as the cause of every gradient being zero. The adapters,
    initialised to zero on both sides, are: dead-parameters leads, and names the optimizer
    whose steps had nothing to apply."""
    frozen = _f("unoptimized-parameters", "info", share=0.88, frozen=True, idle_optimizers=[])
    dead = _f("dead-parameters", "error", 3, where=["blocks"], kind="zero", optimizer="AdamW")
    still = _f("parameters-not-moving", "error", 3, where=["AdamW"])
    flat = _f("loss-not-decreasing", "warning", 40)
    link_causes([still, flat, frozen, dead])
    assert still.follows_from == flat.follows_from == "dead-parameters"
    assert frozen.severity == "info" and frozen.raised is None
    # Control: dead parameters of another optimizer explain nothing here.
    other = _f("dead-parameters", "error", 3, where=["critic"], kind="zero", optimizer="optimizer 1 (Adam)")
    still = _f("parameters-not-moving", "error", 3, where=["optimizer 0 (AdamW)"])
    link_causes([still, other])
    assert still.follows_from is None


def test_an_optimizer_of_frozen_parameters_alone_is_explained_by_the_freeze():
    """The optimizer made before the adapters were added holds the frozen base alone: its steps
    have no gradient, and the freeze says why."""
    frozen = _f("unoptimized-parameters", "info", share=0.88, frozen=True, idle_optimizers=["AdamW"])
    still = _f("parameters-not-moving", "error", 3, where=["AdamW"])
    link_causes([still, frozen])
    assert still.follows_from == "unoptimized-parameters"
    assert frozen.raised == {"from": "info", "by": "parameters-not-moving"}
