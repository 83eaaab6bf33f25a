"""Issue 13, the live monitor: nothing of torchvitals' reaches the user's code, several monitors
on one model compose and leave it as found, notes are said once, a rule that raised says so,
findings.json is written atomically."""

import json

import pytest
import torch
import torch.nn.functional as F
from cases import mlp, regression_data
from torch import nn

import torchvitals
from torchvitals import monitor as monitor_mod
from torchvitals.findings import Diagnosis
from torchvitals.record import History
from torchvitals.rules import RULES


def _train(model, opt, steps=30, seed=0):
    x, y = regression_data(seed=seed)
    losses = []
    for i in range(steps):
        xb, yb = x[i % 16 * 32 : i % 16 * 32 + 32], y[i % 16 * 32 : i % 16 * 32 + 32]
        opt.zero_grad()
        loss = F.mse_loss(model(xb), yb)
        loss.backward()
        opt.step()
        losses.append(loss.item())
    return losses


def _fresh():
    torch.manual_seed(0)
    model = mlp()
    return model, torch.optim.Adam(model.parameters(), lr=1e-3)


def _unwatched_losses(steps=30):
    model, opt = _fresh()
    return _train(model, opt, steps)


# ---------------------------------------------------------------- nothing reaches the user


def test_an_exception_inside_history_add_never_reaches_zero_grad(monkeypatch, tmp_path):
    """History.add raising used to escape through _fail → _emit into opt.zero_grad()."""
    model, opt = _fresh()
    mon = torchvitals.watch(model, opt, out=str(tmp_path), name="r", console=False, every=1)

    def boom(self, rec):
        raise RuntimeError("history exploded")

    monkeypatch.setattr(History, "add", boom)
    losses = _train(model, opt)
    diag = mon.close()
    assert losses == _unwatched_losses()
    assert any("record probe failed" in n and "history exploded" in n for n in diag.notes)
    # run.jsonl still has every record (the writer does not depend on the History).
    kinds = [json.loads(line)["type"] for line in (tmp_path / "r" / "run.jsonl").read_text().splitlines()]
    assert kinds.count("step") >= 30 and kinds[-1] == "end"


@pytest.mark.parametrize("entry", ["_state", "_train_mode", "_ensure_sentinel"])
def test_a_raising_entry_point_is_switched_off_not_raised(entry, monkeypatch, tmp_path):
    """Entry points without their own try (the optimizer-hook look-up, zero_grad's tap) are
    guarded where torch calls them."""
    model, opt = _fresh()
    mon = torchvitals.watch(model, opt, out=str(tmp_path), name="r", console=False)

    def boom(*a, **k):
        raise RuntimeError(f"{entry} exploded")

    monkeypatch.setattr(monitor_mod.Monitor, entry, boom)
    losses = _train(model, opt)
    diag = mon.close()
    assert losses == _unwatched_losses()
    assert any(f"{entry} exploded" in n and "switched off" in n for n in diag.notes)


def test_a_sentinel_tensor_hook_never_raises_into_backward(monkeypatch, tmp_path):
    model, opt = _fresh()
    mon = torchvitals.watch(model, opt, out=str(tmp_path), name="r", console=False)

    def boom(*a, **k):
        raise RuntimeError("backward hook exploded")

    monkeypatch.setattr(monitor_mod.Monitor, "_on_backward", boom)
    losses = _train(model, opt)
    diag = mon.close()
    assert losses == _unwatched_losses()
    assert any("backward hook exploded" in n for n in diag.notes)


def test_close_survives_a_findings_json_that_cannot_be_serialised(monkeypatch, tmp_path):
    """A non-OSError while writing findings.json used to propagate out of close()."""
    model, opt = _fresh()
    mon = torchvitals.watch(model, opt, out=str(tmp_path), name="r", console=False)
    _train(model, opt, steps=10)
    monkeypatch.setattr(Diagnosis, "to_dict", lambda self: {"bad": object()})
    diag = mon.close()
    assert any("findings.json write failed" in n and "TypeError" in n for n in diag.notes)
    assert not list((tmp_path / "r").glob("*.tmp"))
    assert not (tmp_path / "r" / "findings.json").exists()


def test_close_survives_console_and_detach_errors(monkeypatch, tmp_path):
    model, opt = _fresh()
    mon = torchvitals.watch(model, opt, out=str(tmp_path), name="r")

    def boom(*a, **k):
        raise RuntimeError("printing exploded")

    _train(model, opt, steps=10)
    monkeypatch.setattr(monitor_mod.console, "print_diagnosis", boom)
    diag = mon.close()
    assert diag.judged
    assert (tmp_path / "r" / "findings.json").exists()


# ---------------------------------------------------------------- findings.json is atomic


def test_findings_json_leaves_no_temp_file(tmp_path):
    run = tmp_path / "r"
    run.mkdir()
    # What a SIGKILL between write and rename left behind, by this and by older versions.
    (run / "findings.json.4242-deadbeef.tmp").write_text("{")
    (run / "findings.json.tmp").write_text("{")
    model, opt = _fresh()
    mon = torchvitals.watch(model, opt, out=str(tmp_path), name="r", console=False)
    _train(model, opt, steps=10)
    mon.close()
    assert sorted(p.name for p in run.iterdir()) == ["findings.json", "run.jsonl"]
    assert json.loads((run / "findings.json").read_text())["judged"] is True


def test_findings_json_rename_failing_leaves_no_temp_file(monkeypatch, tmp_path):
    model, opt = _fresh()
    mon = torchvitals.watch(model, opt, out=str(tmp_path), name="r", console=False)
    _train(model, opt, steps=10)

    def refuse(*a, **k):
        raise PermissionError("rename refused")

    monkeypatch.setattr(monitor_mod.os, "replace", refuse)
    monkeypatch.setattr("torchvitals.record.os.replace", refuse)
    monkeypatch.setattr("pathlib.Path.replace", refuse)
    diag = mon.close()
    assert any("rename refused" in n for n in diag.notes)
    assert sorted(p.name for p in (tmp_path / "r").iterdir()) == ["run.jsonl"]


# ---------------------------------------------------------------- notes once, rule errors named


def test_a_failed_probe_is_noted_once_live_in_findings_json_and_offline(monkeypatch, tmp_path):
    from torchvitals.probes import gradients

    def boom(*a, **k):
        raise RuntimeError("norms exploded")

    monkeypatch.setattr(gradients, "norms", boom)
    model, opt = _fresh()
    mon = torchvitals.watch(model, opt, out=str(tmp_path), name="r", console=False)
    _train(model, opt, steps=10)
    diag = mon.close()
    said = [n for n in diag.notes if "norms exploded" in n]
    assert len([n for n in said if "the gradients probe failed" in n]) == 1
    assert len(said) == len(set(said))
    saved = json.loads((tmp_path / "r" / "findings.json").read_text())
    assert [n for n in saved["notes"] if "norms exploded" in n] == said
    offline = torchvitals.diagnose(tmp_path / "r")
    assert offline.notes == diag.notes


def test_a_rule_that_raised_is_shown_as_failed_not_as_lacking_evidence(monkeypatch, tmp_path):
    rule = RULES["exploding-gradient"]

    def boom(h):
        raise ZeroDivisionError("rule exploded")

    monkeypatch.setattr(rule, "fn", boom)
    model, opt = _fresh()
    mon = torchvitals.watch(model, opt, out=str(tmp_path), name="r", console=False)
    _train(model, opt, steps=10)
    diag = mon.close()
    assert "exploding-gradient" not in diag.unjudged
    assert diag.failed_rules == {"exploding-gradient": "ZeroDivisionError: rule exploded"}
    assert "rule exploding-gradient failed: ZeroDivisionError: rule exploded; not judged" in diag.notes
    text = str(diag)
    assert "rule exploding-gradient failed" in text
    assert not any("no evidence" in line and "exploding-gradient" in line for line in text.splitlines())
    saved = json.loads((tmp_path / "r" / "findings.json").read_text())
    assert saved["failed_rules"] == {"exploding-gradient": "ZeroDivisionError: rule exploded"}


# ---------------------------------------------------------------- several monitors, one model


def _model_state(m):
    """What watching may not leave behind: instance attributes, hooks, class attributes."""
    hooks = {k: len(v) for k, v in vars(m).items() if k.endswith("hooks") and isinstance(v, dict)}
    sub_hooks = sum(len(v) for mod in m.modules() for k, v in vars(mod).items() if k.endswith("hooks") and isinstance(v, dict))
    classes = {cls: dict(vars(cls)) for cls in type(m).__mro__ if cls is not object}
    return set(vars(m)), hooks, sub_hooks, classes


def test_two_monitors_on_one_model_compose_and_leave_it_as_found(tmp_path):
    torch.manual_seed(0)
    model = nn.Sequential(nn.Linear(8, 16), nn.ReLU(), nn.Linear(16, 1))
    before = _model_state(model)
    o1 = torch.optim.SGD(model.parameters(), lr=0.01)
    o2 = torch.optim.SGD(model.parameters(), lr=0.01)
    opt_cls = dict(vars(torch.optim.SGD)), dict(vars(torch.optim.Optimizer))
    a = torchvitals.watch(model, o1, out=str(tmp_path), name="a", console=False)
    b = torchvitals.watch(model, o2, out=str(tmp_path), name="b", console=False)
    assert not a.closed and not b.closed
    x, y = torch.randn(32, 8), torch.randn(32, 1)

    def step(n):
        for _ in range(n):
            model.zero_grad()
            F.mse_loss(model(x), y).backward()
            o1.step()
            o2.step()

    step(4)
    # One forward pass counts once in each monitor (not twice in either).
    assert a._samples == b._samples == 4 * 32
    a.close()
    step(6)
    c = b._opts[0].acct.c
    # b still sees the model's zero_grad calls after a closed (no skipped or uncleared steps).
    assert (c.zero_grads, c.steps, c.uncleared, c.skipped) == (10, 10, 0, 0)
    assert b._samples == 10 * 32
    diag = b.close()
    assert "grads-not-cleared" not in diag.names() and "skipped-steps" not in diag.names()
    after = _model_state(model)
    assert after[:3] == before[:3]
    assert after[3].keys() == before[3].keys()
    for cls, attrs in before[3].items():
        assert after[3][cls] == attrs, cls
    assert (dict(vars(torch.optim.SGD)), dict(vars(torch.optim.Optimizer))) == opt_cls
    assert not o1._optimizer_step_pre_hooks and not o2._optimizer_step_post_hooks
