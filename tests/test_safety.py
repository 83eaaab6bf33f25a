"""Principle 1: torchvitals never breaks training; hooks are removable and never doubled."""

import gc
import weakref

import pytest
import torch
from cases import fresh_mlp, mlp, regression_data, train_regression
from torch import nn

import torchvitals
from torchvitals.probes import gradients
from torchvitals.probes.steps import StepAccount


def _train(model, opt, steps=40, seed=0):
    return train_regression(model, opt, steps, seed)


_fresh = fresh_mlp


@pytest.mark.parametrize("target", ["norms", "on_backward"])
def test_a_raising_probe_is_switched_off_and_training_goes_on(target, monkeypatch, tmp_path, capsys):
    def boom(*a, **k):
        raise RuntimeError("probe exploded")

    if target == "norms":
        monkeypatch.setattr(gradients, "norms", boom)
    else:
        monkeypatch.setattr(StepAccount, "on_backward", boom)
    model, opt = _fresh()
    ref_model, ref_opt = _fresh()
    mon = torchvitals.watch(model, opt, out=str(tmp_path), name="r")
    losses = _train(model, opt)
    diag = mon.close()
    # The user's training is bit-identical to an unwatched run.
    assert losses == _train(ref_model, ref_opt)
    assert any("probe exploded" in n for n in diag.notes)
    err = capsys.readouterr().err
    assert err.count("probe exploded") >= 1 and "switched off" in err
    # The offline diagnosis says so too.
    assert any("probe exploded" in n for n in torchvitals.diagnose(tmp_path / "r").notes)


def test_watching_does_not_change_training(tmp_path):
    model, opt = _fresh()
    ref_model, ref_opt = _fresh()
    mon = torchvitals.watch(model, opt, out="", console=False, every=1, probe=["0", "2"])
    assert _train(model, opt) == _train(ref_model, ref_opt)
    mon.close()


def test_watch_twice_does_not_double_hooks():
    model, opt = _fresh()
    torchvitals.watch(model, opt, out="", console=False)
    first = len(opt._optimizer_step_pre_hooks)
    second_mon = torchvitals.watch(model, opt, out="", console=False)
    assert len(opt._optimizer_step_pre_hooks) == first == 1
    # the forward probe, and the one-shot preflight hook (removed at the first training forward)
    assert len(model._forward_pre_hooks) == 2
    second_mon.close()
    assert len(opt._optimizer_step_pre_hooks) == 0 and "zero_grad" not in vars(opt)
    assert len(model._forward_pre_hooks) == 0 and "zero_grad" not in vars(model)


def test_close_removes_every_hook_and_is_idempotent():
    model, opt = _fresh()
    sched = torch.optim.lr_scheduler.StepLR(opt, 10)
    mon = torchvitals.watch(model, opt, scheduler=sched, out="", console=False, probe=["0"])
    _train(model, opt, steps=3)
    d1 = mon.close()
    assert mon.close() is d1
    assert not opt._optimizer_step_pre_hooks and not opt._optimizer_step_post_hooks
    assert "step" not in vars(sched) and not model[0]._forward_hooks
    assert all(not p._backward_hooks for p in model.parameters() if p._backward_hooks is not None)
    assert mon.epoch_end(train=1.0) == ""


def test_no_reference_cycle_keeps_the_model_alive():
    gc.collect()
    gc.disable()
    try:
        model, opt = _fresh()
        mon = torchvitals.watch(model, opt, out="", console=False, probe=["0"])
        _train(model, opt, steps=6)
        refs = [weakref.ref(model), weakref.ref(opt), weakref.ref(mon)]
        del model, opt, mon
        assert [r() for r in refs] == [None, None, None]
    finally:
        gc.enable()


def test_context_manager_closes_even_on_error():
    model, opt = _fresh()
    with pytest.raises(ValueError), torchvitals.watch(model, opt, out="", console=False) as mon:
        _train(model, opt, steps=3)
        raise ValueError("user code failed")
    assert mon.closed and mon.diagnosis is not None


def test_model_without_parameters_and_no_optimizer(tmp_path):
    mon = torchvitals.watch(nn.ReLU(), [], out=str(tmp_path), name="r", console=False)
    diag = mon.close()
    # Nothing could be judged: the run is not called healthy, and the reason is given.
    assert not diag.healthy and diag.verdict == "not judged" and diag.exit_code() == 1
    assert "no parameters" in diag.not_judged and any("no parameters" in n for n in diag.notes)
    offline = torchvitals.diagnose(tmp_path / "r")
    assert offline.verdict == "not judged" and offline.not_judged == diag.not_judged
    assert "nothing was judged" in str(diag)


def test_parameters_only_in_the_optimizer_get_names():
    w = nn.Parameter(torch.randn(3, 3))
    opt = torch.optim.SGD([w], lr=0.1)
    mon = torchvitals.watch(nn.Identity(), opt, out="", console=False)
    for _ in range(6):
        opt.zero_grad()
        (w**2).sum().backward()
        opt.step()
    diag = mon.close()
    assert diag.healthy
    assert mon.history.params[0]["name"] == "opt0.group0.param0"


def test_nan_loss_does_not_crash(tmp_path):
    model, opt = _fresh()
    mon = torchvitals.watch(model, opt, out="", console=False)
    x, _ = regression_data()
    for _ in range(6):
        opt.zero_grad()
        (model(x[:8]).sum() * float("nan")).backward()
        opt.step()
    assert "nonfinite-gradient" in mon.close().names("error")


def test_unwritable_run_directory_is_reported_not_raised(tmp_path):
    blocker = tmp_path / "file"
    blocker.write_text("not a directory")
    model, opt = _fresh()
    mon = torchvitals.watch(model, opt, out=str(blocker), console=False)
    _train(model, opt, steps=3)
    diag = mon.close()
    assert any("cannot write" in n for n in diag.notes)


def test_add_param_group_after_watch_is_followed(tmp_path):
    torch.manual_seed(0)
    model = mlp()
    model[0].requires_grad_(False)
    opt = torch.optim.Adam(list(model[2].parameters()) + list(model[4].parameters()), lr=1e-3)
    mon = torchvitals.watch(model, opt, out=str(tmp_path), name="r", console=False, every=10)
    _train(model, opt, steps=20)
    model[0].requires_grad_(True)  # progressive unfreezing
    opt.add_param_group({"params": model[0].parameters(), "lr": 1e-4})
    _train(model, opt, steps=30)
    diag = mon.close()
    assert diag.healthy, [(f.name, f.message) for f in diag.at_least("warning")]
    assert len(mon.history.optimizers[0]["groups"]) == 2
    assert torchvitals.diagnose(tmp_path / "r").healthy


def test_disabled_by_environment(monkeypatch):
    monkeypatch.setenv("TORCHVITALS_ENABLED", "0")
    model, opt = _fresh()
    mon = torchvitals.watch(model, opt)
    _train(model, opt, steps=3)
    assert not opt._optimizer_step_pre_hooks
    assert mon.close().healthy and mon.epoch_end() == ""


def test_bad_arguments_are_clear():
    model, opt = _fresh()
    with pytest.raises(TypeError, match="unknown torchvitals option"):
        torchvitals.watch(model, opt, evry=3)
    with pytest.raises(TypeError, match="Optimizer"):
        torchvitals.watch(model, "adam")
    with pytest.raises(ValueError, match="every"):
        torchvitals.watch(model, opt, every=0)
