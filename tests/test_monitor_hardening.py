"""Issue 13, the live monitor: nothing of torchvitals' reaches the user's code, several monitors
on one model compose and leave it as found, notes are said once, a rule that raised says so,
findings.json is written atomically."""

import json

import pytest
import torch
import torch.nn.functional as F
from cases import fresh_mlp, train_regression
from torch import nn

import torchvitals
from torchvitals import monitor as monitor_mod
from torchvitals.findings import Diagnosis
from torchvitals.probes.inventory import Inventory
from torchvitals.record import History
from torchvitals.rules import RULES


def _train(model, opt, steps=30, seed=0):
    return train_regression(model, opt, steps, seed)


_fresh = fresh_mlp


def _unwatched_losses(steps=30):
    model, opt = _fresh()
    return _train(model, opt, steps)


# ---------------------------------------------------------------- nothing reaches the user


def test_an_exception_inside_history_add_never_reaches_zero_grad(monkeypatch, tmp_path):
    """History.add raising used to escape through _fail → _emit into opt.zero_grad()."""
    model, opt = _fresh()
    mon = torchvitals.watch(model, opt, out=str(tmp_path), name="r", console=False, every=1)

    def boom(self, rec, *args, **kwargs):
        raise RuntimeError("history exploded")

    monkeypatch.setattr(History, "add", boom)
    losses = _train(model, opt)
    diag = mon.close()
    assert losses == _unwatched_losses()
    assert any("record probe failed" in n and "history exploded" in n for n in diag.notes)
    # run.jsonl still has every record (the writer does not depend on the History).
    kinds = [json.loads(line)["type"] for line in (tmp_path / "r" / "run.jsonl").read_text().splitlines()]
    assert kinds.count("step") >= 30 and kinds[-1] == "end"


@pytest.mark.parametrize("entry", ["_pre_step", "_post_step", "_on_zero_grad", "train_mode", "_ensure_sentinel"])
def test_a_raising_entry_point_is_switched_off_not_raised(entry, monkeypatch, tmp_path):
    """Entry points raising outside their own try (the step hooks, zero_grad's tap, called by
    torch with the optimizer's index bound) are guarded where torch calls them."""
    model, opt = _fresh()
    mon = torchvitals.watch(model, opt, out=str(tmp_path), name="r", console=False)

    def boom(*a, **k):
        raise RuntimeError(f"{entry} exploded")

    owner = Inventory if entry == "train_mode" else monitor_mod.Monitor
    monkeypatch.setattr(owner, entry, boom)
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
    monkeypatch.setattr("torchvitals.sinks.console.print_diagnosis", boom)
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

    monkeypatch.setattr("torchvitals.sinks.run_dir.os.replace", refuse)
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


# ---------------------------------------------------------------- memory stays flat


def _synthetic_history(n, every_out=10):
    """A History fed n step records of a two-parameter model, every kind of field set."""
    h = History()
    params = [{"name": f"l{i}.weight", "short": f"l{i}", "bucket": f"l{i}", "shape": [4, 4], "numel": 16, "ndim": 2,
               "dtype": "float32", "trainable": True} for i in range(2)]
    h.add({"type": "header", "params": params, "options": {"warmup": 5},
           "optimizers": [{"type": "SGD", "groups": [{"lr": 0.1, "params": [0, 1]}]}]})
    for it in range(1, n + 1):
        rec = {"type": "step", "opt": 0, "it": it, "stepped": True, "reason": "step",
               "g": [0.5 + (it % 7) / 10, 0.3], "w": [1.0, 2.0], "d": [1e-3, 2e-3], "lr": [0.1],
               "counters": {"steps": it, "backward": it, "cycles": it, "zero_grads": it}}
        if it % every_out == 0:
            rec["out"] = {"loss": 1.0 / it, "spread": 0.5, "loss_kind": "mse_loss"}
        h.add(rec)
    return h


def _held(h):
    """Everything a History holds that could grow with the number of records."""
    import pickle

    return len(pickle.dumps((h.folds, h.tally, h.w0, h.events))), len(h.steps), len(h._derived)


def test_history_memory_is_bounded_by_a_constant(monkeypatch):
    """every=1 used to keep every step record in memory (+2.3 KB a step): the History keeps the
    latest KEEP_RAW records whole and folds the rest into summaries of constant size."""
    from torchvitals import record
    from torchvitals.rules import gradients

    monkeypatch.setattr(record, "KEEP_RAW", 16)
    monkeypatch.setattr(gradients, "SPIKE_WINDOW", 32)
    small, big = _synthetic_history(600), _synthetic_history(2400)
    size_small, steps_small, derived_small = _held(small)
    size_big, steps_big, derived_big = _held(big)
    assert steps_small == steps_big == 16 and derived_small <= 16 and derived_big <= 16
    assert big.n_steps == 2400 and big.n_grad == 2400
    # Four times the records, the same state (but for a few more digits in the counts).
    assert size_big - size_small < 64, (size_small, size_big)


def test_long_every_step_run_judges_the_same_with_a_short_window(monkeypatch, tmp_path):
    """The findings of a run do not depend on how many records History keeps whole."""
    from torchvitals import record

    def run(name):
        torch.manual_seed(0)
        model = nn.Sequential(nn.Linear(8, 16), nn.ReLU(), nn.Linear(16, 1))
        opt = torch.optim.SGD(model.parameters(), lr=0.0)  # parameters-not-moving, lr-too-small
        mon = torchvitals.watch(model, opt, out=str(tmp_path), name=name, console=False, every=1)
        x, y = torch.randn(16, 8), torch.randn(16, 1)
        for _ in range(120):
            opt.zero_grad()
            F.mse_loss(model(x), y).backward()
            opt.step()
        return mon.close()

    full = run("full")
    monkeypatch.setattr(record, "KEEP_RAW", 4)
    short = run("short")
    assert [f.to_dict() for f in short.findings] == [f.to_dict() for f in full.findings]
    assert "parameters-not-moving" in full.names()
    assert len(record.read_run(tmp_path / "short").steps) == 4


# ---------------------------------------------------------------- relative rules have floors


def test_tiny_gradients_with_a_relative_jump_are_not_an_explosion():
    """A healthy run's gradients of ~1e-7 jumping 221x to 3.66e-05 used to be an exploding
    gradient: a ratio to a median of near-zero numbers is not evidence."""
    from torchvitals.diagnose import diagnose_history

    h = History()
    params = [{"name": "w", "short": "w", "bucket": "w", "shape": [4], "numel": 4, "ndim": 2,
               "dtype": "float32", "trainable": True}]
    h.add({"type": "header", "params": params, "optimizers": [{"type": "Adam", "groups": [{"lr": 1e-3, "params": [0]}]}]})
    for it in range(1, 40):
        g = 3.66e-5 if it == 27 else 1.6e-7 * (1 + it % 3)
        h.add({"type": "step", "opt": 0, "it": it, "stepped": True, "g": [g], "w": [1.0], "lr": [1e-3]})
    h.add({"type": "end", "counters": [{"steps": 39, "cycles": 39}]})
    assert "exploding-gradient" not in diagnose_history(h).names()


def test_a_healthy_run_with_tiny_gradients_stays_silent(tmp_path):
    torch.manual_seed(0)
    model = nn.Sequential(nn.Linear(8, 32), nn.Tanh(), nn.Linear(32, 1))
    opt = torch.optim.Adam(model.parameters(), lr=1e-3)
    mon = torchvitals.watch(model, opt, out=str(tmp_path), name="tiny", console=False, every=1)
    g = torch.Generator().manual_seed(1)
    for _ in range(300):
        x = torch.randn(32, 8, generator=g)
        y = x[:, :1] * 0.5
        opt.zero_grad()
        (F.mse_loss(model(x), y) * 1e-5).backward()  # gradients of ~1e-6..1e-4 throughout
        opt.step()
    diag = mon.close()
    assert not diag.at_least("warning"), [f.message for f in diag.findings]
