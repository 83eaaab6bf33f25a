"""Patterns of real training code that torchvitals must neither break nor misjudge: saving and
copying a watched model, a GAN's two zero_grad calls, an L-BFGS closure. Each has a control in
which the fault is really there, so the test fails if the rule stops looking."""

from __future__ import annotations

import copy
import io
import pickle

import pytest
import torch
import torch.nn.functional as F
from torch import nn

import torchvitals
from torchvitals.cli import main


def _mlp() -> nn.Module:
    torch.manual_seed(0)
    return nn.Sequential(nn.Linear(8, 16), nn.ReLU(), nn.Linear(16, 1))


def _batches(n: int = 20):
    g = torch.Generator().manual_seed(1)
    for _ in range(n):
        x = torch.randn(32, 8, generator=g)
        yield x, x[:, :1] * 2 + 0.1 * torch.randn(32, 1, generator=g)


def _train(model, opt, n=20, sched=None):
    for x, y in _batches(n):
        opt.zero_grad()
        F.mse_loss(model(x), y).backward()
        opt.step()
        if sched is not None:
            sched.step()


def _serious(diag):
    return [(f.name, f.severity, f.message) for f in diag.at_least("warning")]


# ----------------------------------------------------------------------------- saving a model


def test_watched_model_pickles_saves_and_copies_without_torchvitals(tmp_path):
    model = _mlp()
    opt = torch.optim.Adam(model.parameters(), lr=1e-2)
    sched = torch.optim.lr_scheduler.StepLR(opt, 5)
    scaler = torch.amp.GradScaler("cpu", enabled=False)
    mon = torchvitals.watch(model, opt, scheduler=sched, scaler=scaler, out=str(tmp_path), console=False,
                            probe=["0"])
    _train(model, opt, 6, sched)
    # The whole model, the way scripts save it: every one of these must work mid-run.
    blob = pickle.dumps(model)
    buf = io.BytesIO()
    torch.save(model, buf)
    torch.save({"opt": opt.state_dict(), "sched": sched.state_dict(), "scaler": scaler.state_dict()}, io.BytesIO())
    pickle.dumps(opt)
    twin = copy.deepcopy(model)
    # What comes back carries no torchvitals hook and needs no torchvitals to load.
    for loaded in (pickle.loads(blob), torch.load(io.BytesIO(buf.getvalue()), weights_only=False), twin):
        assert not loaded._forward_pre_hooks and not loaded._forward_hooks
        assert not loaded[0]._forward_hooks
        assert "zero_grad" not in vars(loaded)
        x = torch.randn(4, 8)
        assert torch.equal(loaded(x), model(x))
    assert b"torchvitals" not in blob and b"torchvitals" not in buf.getvalue()
    assert "step" not in sched.state_dict()
    # The watched model is still watched: training goes on and is judged.
    _train(model, opt, 10, sched)
    diag = mon.close()
    assert not _serious(diag), _serious(diag)
    assert diag.summary["optimizers"][0]["steps"] == 16
    # The copy was not watched: its forward passes were not counted as training samples.
    assert diag.summary["sampled_iterations"] >= 5


def test_pickling_other_instances_of_the_class_is_unchanged():
    model, other = _mlp(), _mlp()
    other.register_forward_hook(_user_hook)  # the user's own hook is pickled as before
    mon = torchvitals.watch(model, torch.optim.SGD(model.parameters(), lr=0.1), out="", console=False)
    loaded = pickle.loads(pickle.dumps(other))
    assert list(loaded._forward_hooks.values()) == [_user_hook]
    mon.close()
    assert type(model) not in __import__("copyreg").dispatch_table


def _user_hook(module, args, output):
    return None


def test_torch_save_whole_model_under_run(tmp_path):
    script = tmp_path / "save_model.py"
    script.write_text(
        "import copy, pickle, torch\n"
        "import torch.nn.functional as F\n"
        "torch.manual_seed(0)\n"
        "model = torch.nn.Sequential(torch.nn.Linear(8, 16), torch.nn.ReLU(), torch.nn.Linear(16, 1))\n"
        "opt = torch.optim.SGD(model.parameters(), lr=0.05)\n"
        "sched = torch.optim.lr_scheduler.StepLR(opt, 10)\n"
        "x = torch.randn(256, 8); y = x[:, :1] * 2\n"
        f"path = {str(tmp_path / 'model.pt')!r}\n"
        "for epoch in range(3):\n"
        "    for i in range(0, 256, 32):\n"
        "        opt.zero_grad()\n"
        "        F.mse_loss(model(x[i:i + 32]), y[i:i + 32]).backward()\n"
        "        opt.step()\n"
        "    sched.step()\n"
        "    torch.save(model, path)\n"
        "    torch.save({'sched': sched.state_dict(), 'opt': opt.state_dict()}, path + '.ckpt')\n"
        "    pickle.dumps(model); copy.deepcopy(model)\n"
        "    model = torch.load(path, weights_only=False) if epoch == 5 else model\n"
        "print('saved', epoch)\n"
    )
    code = main(["run", "--out", str(tmp_path), "--name", "r", str(script)])
    assert code == 0
    import json

    report = json.loads((tmp_path / "r" / "findings.json").read_text())
    assert report["summary"]["optimizers"][0]["steps"] == 24
    assert not [f for f in report["findings"] if f["severity"] != "info"], report["findings"]


# ----------------------------------------------------------------------------- a GAN's zero_grad


def _gan(zero_d: bool = True, iters: int = 40):
    """pytorch/examples dcgan's order: netD.zero_grad(), D's two backward passes, D's step, then
    netG.zero_grad(), the generator loss's backward (which also reaches D's parameters: the
    gradients stay there until netD.zero_grad() at the next iteration), G's step."""
    torch.manual_seed(0)
    net_g = nn.Sequential(nn.Linear(4, 32), nn.ReLU(), nn.Linear(32, 2))
    net_d = nn.Sequential(nn.Linear(2, 32), nn.LeakyReLU(0.2), nn.Linear(32, 1))
    opt_g = torch.optim.Adam(net_g.parameters(), lr=1e-3, betas=(0.5, 0.999))
    opt_d = torch.optim.Adam(net_d.parameters(), lr=1e-3, betas=(0.5, 0.999))
    mon = torchvitals.watch([net_g, net_d], [opt_g, opt_d], out="", console=False)
    bce = nn.BCEWithLogitsLoss()
    g = torch.Generator().manual_seed(0)
    for _ in range(iters):
        real = torch.randn(64, 2, generator=g) * 0.5 + 2
        if zero_d:
            net_d.zero_grad()
        err_real = bce(net_d(real), torch.ones(64, 1))
        err_real.backward()
        fake = net_g(torch.randn(64, 4, generator=g))
        err_fake = bce(net_d(fake.detach()), torch.zeros(64, 1))
        err_fake.backward()
        opt_d.step()
        net_g.zero_grad()
        err_g = bce(net_d(fake), torch.ones(64, 1))
        err_g.backward()
        opt_g.step()
    return mon.close()


def test_gan_model_zero_grad_is_not_a_skipped_step():
    diag = _gan()
    assert not _serious(diag), _serious(diag)
    counters = diag.summary["optimizers"]
    assert [c["skipped"] for c in counters] == [0, 0]
    assert [c["steps"] for c in counters] == [40, 40]


def test_gan_discriminator_never_zeroed_is_still_found():
    diag = _gan(zero_d=False)
    assert "grads-not-cleared" in diag.names("warning"), _serious(diag)


# ----------------------------------------------------------------------------- an L-BFGS closure


def _lbfgs(zero_in_closure: bool = True, steps: int = 8):
    """pytorch/examples time_sequence_prediction: optimizer.step(closure), the closure calling
    zero_grad() and backward() up to max_iter times inside one step."""
    torch.manual_seed(0)
    model = nn.Sequential(nn.Linear(4, 16), nn.Tanh(), nn.Linear(16, 1)).double()
    opt = torch.optim.LBFGS(model.parameters(), lr=0.8)
    x = torch.randn(128, 4, dtype=torch.double)
    y = torch.sin(x.sum(1, keepdim=True))
    mon = torchvitals.watch(model, opt, out="", console=False)
    calls = []

    def closure():
        if zero_in_closure:
            opt.zero_grad()
        loss = F.mse_loss(model(x), y)
        loss.backward()
        calls.append(1)
        return loss

    for _ in range(steps):
        opt.step(closure)
    return mon.close(), len(calls)


def test_lbfgs_closure_is_one_step_not_skips():
    diag, calls = _lbfgs()
    assert calls > 3 * 8  # the closure really ran many times per step
    assert not _serious(diag), _serious(diag)
    c = diag.summary["optimizers"][0]
    assert c["steps"] == 8 and c["skipped"] == 0 and c["discards"] == 0
    # The gradients judged are the closure's: every parameter had one at every sampled step.
    assert "dead-parameters" not in diag.names()


def test_lbfgs_closure_without_zero_grad_is_found():
    diag, _ = _lbfgs(zero_in_closure=False)
    assert "grads-not-cleared" in diag.names("warning"), _serious(diag)


@pytest.mark.parametrize("set_to_none", [True, False])
def test_two_monitors_on_one_model_keep_their_own_zero_grad(set_to_none):
    model = _mlp()
    o1 = torch.optim.SGD(model[0].parameters(), lr=0.05)
    o2 = torch.optim.SGD(model[2].parameters(), lr=0.05)
    a = torchvitals.watch(model, o1, out="", console=False)
    b = torchvitals.watch(model, o2, out="", console=False)
    for x, y in _batches(4):
        model.zero_grad(set_to_none=set_to_none)
        F.mse_loss(model(x), y).backward()
        o1.step()
        o2.step()
    a.close()
    for x, y in _batches(4):
        model.zero_grad(set_to_none=set_to_none)
        F.mse_loss(model(x), y).backward()
        o1.step()
        o2.step()
    diag = b.close()
    assert diag.summary["optimizers"][0]["zero_grads"] == 8
    assert "zero_grad" not in vars(model)


# ----------------------------------------------------------------------------- ratios near zero


def _conv_bn(lr: float, only_bn: bool = False, opt_name: str = "sgd", steps: int = 12, noisy: bool = False):
    """A conv layer with bias=True feeding BatchNorm (the bias's gradient is cancelled to ~1e-8)
    or, with only_bn, a fine-tune of BatchNorm's affine parameters alone (shifts start at 0; with
    noisy labels their gradients change sign, so they grow slowly and ‖Δw‖/‖w‖ stays large)."""
    torch.manual_seed(0)
    model = nn.Sequential(nn.Conv2d(3, 8, 3, padding=1), nn.BatchNorm2d(8), nn.ReLU(),
                          nn.Conv2d(8, 8, 3, padding=1), nn.BatchNorm2d(8), nn.ReLU(),
                          nn.AdaptiveAvgPool2d(1), nn.Flatten(), nn.Linear(8, 4))
    if only_bn:
        for m in model.modules():
            if not isinstance(m, nn.BatchNorm2d):
                for p in m.parameters(recurse=False):
                    p.requires_grad_(False)
    params = [p for p in model.parameters() if p.requires_grad]
    opt = torch.optim.SGD(params, lr=lr, momentum=0.9) if opt_name == "sgd" else torch.optim.Adam(params, lr=lr)
    mon = torchvitals.watch(model, opt, out="", console=False)
    g = torch.Generator().manual_seed(0)
    for _ in range(steps):
        x = torch.randn(16, 3, 8, 8, generator=g)
        y = (x.mean((1, 2, 3)) > 0).long() + 2 * (x[:, 0].mean((1, 2)) > 0).long()
        if noisy:
            y = torch.randint(0, 4, (16,), generator=g)
        opt.zero_grad()
        F.cross_entropy(model(x), y).backward()
        opt.step()
    return mon.close()


def test_bias_cancelled_by_batchnorm_is_an_info_not_a_warning():
    diag = _conv_bn(lr=0.01)
    assert not _serious(diag), _serious(diag)
    (f,) = [f for f in diag.findings if f.name == "parameters-not-moving"]
    assert f.severity == "info" and "0.bias" in f.message and "bias=False" in f.fix


def test_lr_zero_on_a_conv_bn_net_is_still_found():
    diag = _conv_bn(lr=0.0)
    assert "parameters-not-moving" in diag.names("warning"), _serious(diag)


def test_batchnorm_only_finetune_is_not_lr_too_large():
    diag = _conv_bn(lr=1e-2, only_bn=True, opt_name="adam", steps=40, noisy=True)
    assert not _serious(diag), _serious(diag)


def test_batchnorm_only_finetune_at_an_absurd_lr_is_found():
    diag = _conv_bn(lr=1.0, only_bn=True, opt_name="adam", steps=40, noisy=True)
    assert "lr-too-large" in diag.names("warning"), _serious(diag)


def _scalar_from_zero(lr: float, opt_name: str, steps: int = 160):
    """A scalar started at 0 alone under its optimizer, next to a model under another (SAC's
    entropy temperature log_alpha). Adam: a steady push at lr, so its ratio ‖Δw‖/‖w‖ is 1, 1/2,
    1/3, ... whatever lr is. SGD at lr 0.999 on (s - 1)²: s swings between about 0 and 2 and
    every step is as large as s itself."""
    torch.manual_seed(0)
    model = nn.Sequential(nn.Linear(4, 8), nn.ReLU(), nn.Linear(8, 1))
    scalar = torch.zeros(1, requires_grad=True)
    opt = torch.optim.Adam(model.parameters(), lr=1e-3)
    make = torch.optim.Adam if opt_name == "adam" else torch.optim.SGD
    scalar_opt = make([scalar], lr=lr)
    mon = torchvitals.watch(model, [opt, scalar_opt], out="", console=False)
    g = torch.Generator().manual_seed(0)
    for _ in range(steps):
        x = torch.randn(16, 4, generator=g)
        opt.zero_grad()
        F.mse_loss(model(x), x[:, :1]).backward()
        opt.step()
        scalar_opt.zero_grad()
        (-scalar.sum() if opt_name == "adam" else (scalar - 1).pow(2).sum()).backward()
        scalar_opt.step()
    return mon.close()


def test_a_scalar_from_zero_under_adam_is_not_lr_too_large():
    diag = _scalar_from_zero(1e-3, "adam")
    assert "lr-too-large" not in diag.names(), _serious(diag)


def test_a_scalar_from_zero_swinging_at_an_absurd_lr_is_found():
    diag = _scalar_from_zero(0.999, "sgd")
    (f,) = [f for f in diag.findings if f.name == "lr-too-large"]
    assert f.severity == "warning" and "optimizer 1" in f.message, f.message


def _small_init_adam(lr: float, steps: int = 12):
    """A BERT-like init (weights ~ N(0, 0.02)) under Adam: its first step moves every weight by
    about lr, lr/0.02 times its own size. At lr=1 that is 50×; the weights are then so large
    that the later steps' ratios fall under 0.3 within three steps."""
    torch.manual_seed(0)
    model = nn.Sequential(nn.Linear(16, 64), nn.GELU(), nn.Linear(64, 64), nn.GELU(), nn.Linear(64, 2))
    for m in model:
        if isinstance(m, nn.Linear):
            nn.init.normal_(m.weight, std=0.02)
            nn.init.zeros_(m.bias)
    opt = torch.optim.Adam(model.parameters(), lr=lr)
    mon = torchvitals.watch(model, opt, out="", console=False)
    g = torch.Generator().manual_seed(0)
    for _ in range(steps):
        x = torch.randn(32, 16, generator=g)
        opt.zero_grad()
        F.cross_entropy(model(x), (x[:, 0] > 0).long()).backward()
        opt.step()
    return mon.close()


def test_one_first_step_fifty_times_the_weights_is_lr_too_large():
    diag = _small_init_adam(1.0)
    (f,) = [f for f in diag.findings if f.name == "lr-too-large"]
    assert f.severity == "warning" and f.step == 1 and f.evidence["threshold"] == 3.0, f.message


@pytest.mark.parametrize("lr", [1e-3, 2e-2])
def test_a_large_but_sane_first_adam_step_is_not_lr_too_large(lr):
    diag = _small_init_adam(lr)  # first-step ratios about 0.05 and 1
    assert "lr-too-large" not in diag.names(), _serious(diag)


def _spiky(scale: float, steps: int = 12):
    """Gradients scaled by `scale`, with one batch 300x larger at iteration 9."""
    model = _mlp()
    opt = torch.optim.SGD(model.parameters(), lr=1e-3)
    mon = torchvitals.watch(model, opt, out="", console=False, every=1)
    for i, (x, y) in enumerate(_batches(steps)):
        opt.zero_grad()
        (scale * (300.0 if i == 8 else 1.0) * F.mse_loss(model(x), y)).backward()
        opt.step()
    return mon.close()


def test_a_jump_between_near_zero_gradients_is_not_an_explosion():
    diag = _spiky(1e-7)
    assert "exploding-gradient" not in diag.names(), _serious(diag)


def test_a_real_gradient_spike_is_found():
    diag = _spiky(1.0)
    assert "exploding-gradient" in diag.names("warning"), _serious(diag)


# ----------------------------------------------------------------------------- warnings


def test_pytorch_warnings_never_name_torchvitals(tmp_path):
    """PyTorch's warnings name the user's line (or PyTorch's), under watch() and under run."""
    script = tmp_path / "sched_first.py"
    script.write_text(
        "import torch\n"
        "model = torch.nn.Linear(4, 1)\n"
        "opt = torch.optim.SGD(model.parameters(), lr=0.1)\n"
        "sched = torch.optim.lr_scheduler.StepLR(opt, 2)\n"
        "for _ in range(3):\n"
        "    sched.step()  # before optimizer.step(): PyTorch warns\n"
        "    opt.zero_grad()\n"
        "    model(torch.randn(8, 4)).pow(2).mean().backward()\n"
        "    opt.step()\n"
    )
    with pytest.warns(UserWarning) as caught:
        assert main(["run", "--out", str(tmp_path), "--name", "r", str(script)]) == 0
    files = {w.filename for w in caught}
    assert files and not [f for f in files if "torchvitals" in f], files
    # Under watch(), the scheduler's step is tapped: the warning still names the user's line.
    model = _mlp()
    opt = torch.optim.SGD(model.parameters(), lr=0.1)
    sched = torch.optim.lr_scheduler.StepLR(opt, 2)
    mon = torchvitals.watch(model, opt, scheduler=sched, out="", console=False)
    with pytest.warns(UserWarning, match="lr_scheduler.step") as caught:
        sched.step()
    assert {w.filename for w in caught} == {__file__}
    mon.close()
    import warnings

    from torchvitals.probes import attach

    assert warnings.warn is not attach._warn  # put back once nothing is watched


# ----------------------------------------------------------------------------- what "healthy" means


def _run_text(tmp_path, body: str, *args: str):
    script = tmp_path / "script.py"
    script.write_text(body)
    import contextlib
    import json

    err = io.StringIO()
    with contextlib.redirect_stderr(err):
        code = main(["run", "--out", str(tmp_path), "--name", "r", *args, str(script)])
    path = tmp_path / "r" / "findings.json"
    return code, err.getvalue(), json.loads(path.read_text()) if path.exists() else None


_TRAIN = (
    "import torch\n"
    "import torch.nn.functional as F\n"
    "torch.manual_seed(0)\n"
    "model = torch.nn.Sequential(torch.nn.Linear(8, 16), torch.nn.ReLU(), torch.nn.Linear(16, 1))\n"
    "opt = torch.optim.SGD(model.parameters(), lr=0.05)\n"
    "x = torch.randn(256, 8); y = x[:, :1] * 2\n"
    "for i in range(30):\n"
    "    opt.zero_grad()\n"
    "    F.mse_loss(model(x[i % 8 * 32:][:32]), y[i % 8 * 32:][:32]).backward()\n"
    "    opt.step()\n"
)


def test_a_script_that_crashes_mid_run_is_not_called_healthy(tmp_path):
    code, err, report = _run_text(tmp_path, _TRAIN + "raise ValueError('bad batch at the end')\n")
    assert code == 1
    assert "looks healthy" not in err
    assert "no problem in the 30 iteration(s)" in err and "ValueError: bad batch at the end" in err
    assert report["verdict"] == "incomplete" and not report["healthy"]
    assert report["stopped"] == "ValueError: bad batch at the end"
    from torchvitals.offline import diagnose

    assert diagnose(tmp_path / "r").verdict == "incomplete"  # the record says so too


def test_a_script_that_crashes_before_any_optimizer_judges_nothing(tmp_path):
    code, err, report = _run_text(tmp_path, "import torch\nimport not_a_module_anywhere\n", "--fail-on", "warning")
    assert code == 1
    assert "looks healthy" not in err and "nothing was judged" in err
    assert "ModuleNotFoundError" in err.split("nothing was judged")[1]


def test_a_script_without_training_is_not_judged_and_fails_a_gate(tmp_path):
    body = "import torch\nmodel = torch.nn.Linear(4, 2)\nprint(model(torch.randn(3, 4)).shape)\n"
    code, err, _ = _run_text(tmp_path, body, "--fail-on", "warning")
    assert "nothing was judged" in err and "looks healthy" not in err
    assert code == 1  # a CI gate does not pass a run nobody could judge
    code, err, _ = _run_text(tmp_path, body)
    assert code == 0  # without a gate, the script's own exit code


def test_a_healthy_script_says_how_much_was_judged(tmp_path):
    code, err, report = _run_text(tmp_path, _TRAIN)
    assert code == 0 and report["verdict"] == "healthy" and report["healthy"]
    assert "the run looks healthy (30 iteration(s), " in err


def test_watch_block_that_raises_is_incomplete():
    model = _mlp()
    opt = torch.optim.SGD(model.parameters(), lr=0.05)
    mon = torchvitals.watch(model, opt, out="", console=False)
    with pytest.raises(RuntimeError), mon:
        _train(model, opt, 8)
        raise RuntimeError("data loader died")
    assert mon.diagnosis.verdict == "incomplete" and "data loader died" in mon.diagnosis.stopped


# ----------------------------------------------------------------------------- live and final agree


def _gate_that_opens(skips: int, total: int):
    """A step gate that skips the first `skips` iterations, then steps: live, skipped-steps is an
    ERROR (no step yet); at the end, with steps taken, a WARNING."""
    model = _mlp()
    opt = torch.optim.SGD(model.parameters(), lr=0.05)
    stream = io.StringIO()
    mon = torchvitals.watch(model, opt, out="", every=1)
    mon.console.stream = stream
    for i, (x, y) in enumerate(_batches(total)):
        opt.zero_grad()
        F.mse_loss(model(x), y).backward()
        if i >= skips:
            opt.step()
    diag = mon.close()
    return diag, stream.getvalue()


def test_a_finding_shown_live_with_another_severity_says_so_at_the_end():
    diag, text = _gate_that_opens(6, 30)
    (f,) = [f for f in diag.findings if f.name == "skipped-steps"]
    assert "ERROR TV201 skipped-steps" in text.split("torchvitals:")[0] + text  # printed live as an error
    assert f.severity == "warning" and f.shown_live == {"severity": "error", "step": f.shown_live["step"]}
    assert "shown live as ERROR" in str(diag)


def test_a_live_finding_the_end_does_not_confirm_is_listed_as_withdrawn():
    from torchvitals.diagnose import diagnose_history
    from torchvitals.record import History

    h = History()
    h.add({"type": "header", "params": [], "optimizers": []})
    h.add({"type": "event", "kind": "finding", "it": 3, "finding": {
        "code": "TV401", "name": "input-bound", "severity": "warning", "message": "loader0 waits",
        "where": ["loader0"], "step": 3}})
    diag = diagnose_history(h)
    assert [(f.name, f.where) for f in diag.withdrawn] == [("input-bound", ["loader0"])]
    assert "withdrawn: WARNING TV401 input-bound (loader0)" in str(diag)


# ----------------------------------------------------------------------------- loops without torch.optim


def _hand_sgd(update: str, clear: str = "module", n: int = 30):
    """pytorch/examples regression and word_language_model: no optimizer; the loop clears the
    gradients and updates the parameters itself."""
    model = _mlp()
    mon = torchvitals.watch(model, out="", console=False)
    for x, y in _batches(n):
        if clear == "module":
            model.zero_grad()
        F.mse_loss(model(x), y).backward()
        for p in model.parameters():
            if update == "data":
                p.data.add_(p.grad, alpha=-0.05)
            elif update == "no_grad":
                with torch.no_grad():
                    p -= 0.05 * p.grad
            elif update == "copy":  # the bug: the update lands on a copy
                q = p.detach().clone()
                q -= 0.05 * p.grad
            if clear == "data":
                p.grad.data.zero_()
    return mon.close()


@pytest.mark.parametrize(("update", "clear"), [("data", "module"), ("no_grad", "module"), ("data", "data")])
def test_a_hand_written_update_is_watched(update, clear):
    diag = _hand_sgd(update, clear)
    assert diag.judged and not _serious(diag), _serious(diag)
    c = diag.summary["optimizers"][0]
    assert c["type"] == "ManualUpdates" and c["steps"] == 30 and c["skipped"] == 0
    assert diag.summary["sampled_iterations"] >= 5


def test_a_hand_written_update_that_changes_nothing_is_found():
    diag = _hand_sgd("copy")
    assert "skipped-steps" in diag.names("warning"), _serious(diag)
    assert "hand-written" in diag.at_least("warning")[0].message


def test_a_hand_written_update_without_clearing_is_found():
    diag = _hand_sgd("no_grad", clear="never")
    assert "grads-not-cleared" in diag.names("warning"), _serious(diag)


def test_plain_tensors_updated_by_hand_under_run(tmp_path):
    body = (
        "import torch\n"
        "torch.manual_seed(0)\n"
        "x = torch.randn(64, 10); y = x @ torch.randn(10, 1)\n"
        "w1 = torch.randn(10, 16, requires_grad=True)\n"
        "w2 = torch.randn(16, 1, requires_grad=True)\n"
        "for t in range(60):\n"
        "    loss = ((x @ w1).clamp(min=0) @ w2 - y).pow(2).mean()\n"
        "    loss.backward()\n"
        "    with torch.no_grad():\n"
        "        for w in (w1, w2):\n"
        "            w -= 1e-3 * w.grad\n"
        "            w.grad = None\n"
    )
    code, err, report = _run_text(tmp_path, body)
    assert code == 0 and report["verdict"] == "healthy", err
    assert "hand-written update of 2 plain tensor(s) (w1, w2)" in err
    assert report["summary"]["optimizers"][0]["steps"] >= 55


# ----------------------------------------------------------------------------- the epoch line


_MNIST_LIKE = (
    "import torch\n"
    "import torch.nn.functional as F\n"
    "from torch.utils.data import DataLoader, TensorDataset\n"
    "torch.manual_seed(0)\n"
    "def data(n):\n"
    "    x = torch.randn(n, 20); y = (x[:, 0] > 0).long() + 2 * (x[:, 1] > 0).long()\n"
    "    return TensorDataset(x, y)\n"
    "train_loader = DataLoader(data(640), batch_size=32, shuffle=True)\n"
    "val_loader = DataLoader(data(256), batch_size=64)\n"
    "test_loader = DataLoader(data(256), batch_size=64)\n"
    "model = torch.nn.Sequential(torch.nn.Linear(20, 32), torch.nn.ReLU(), torch.nn.Linear(32, 4))\n"
    "opt = torch.optim.SGD(model.parameters(), lr=0.1)\n"
    "sched = torch.optim.lr_scheduler.StepLR(opt, 1, gamma=0.5)\n"
    "def evaluate(loader):\n"
    "    model.eval(); total = 0.0\n"
    "    with torch.no_grad():\n"
    "        for x, y in loader:\n"
    "            total += F.cross_entropy(model(x), y, reduction='sum').item()\n"
    "    model.train(); return total / len(loader.dataset)\n"
    "for epoch in range(3):\n"
    "    for x, y in train_loader:\n"
    "        opt.zero_grad(); F.cross_entropy(model(x), y).backward(); opt.step()\n"
    "    print('val', evaluate(val_loader))\n"
    "    sched.step()\n"
    "print('test', evaluate(test_loader))\n"
)


def test_epoch_line_numbers_read_as_they_are(tmp_path):
    code, err, report = _run_text(tmp_path, _MNIST_LIKE)
    assert code == 0 and report["verdict"] == "healthy", err
    lines = [ln for ln in err.splitlines() if ln.startswith("E0")]
    assert len(lines) == 3, err
    # lr is the optimizer's at the epoch's end (StepLR halves it after each epoch's line).
    assert [ln.split("lr=")[1].split(" ")[0] for ln in lines] == ["1.0e-01", "5.0e-02", "2.5e-02"]
    # 20 iterations an epoch, the first 5 and every 50th sampled: epoch 2 had none and says so
    # instead of repeating epoch 1's gradient norms; epoch 3's come from iteration 50.
    assert "GN[" in lines[0] and "| it=5 |" in lines[0]
    assert "GN[no sampled iteration this epoch" in lines[1] and "G/U=" not in lines[1], lines[1]
    assert "| it=50 |" in lines[2], lines[2]
    # VAL's loss is per sample although the script sums it: it sits beside TR's.
    tr = float(lines[2].split("TR[loss=")[1].split(",")[0].rstrip("]"))
    val = float(lines[2].split("VAL[loss=")[1].split(",")[0].rstrip("]"))
    assert 0.2 < val / tr < 5, lines[2]
    # The test loader's losses are not mixed into VAL.
    assert any("VAL is measured on val_loader" in n and "test_loader" in n for n in report["notes"]), report["notes"]


def test_a_new_loader_over_the_validation_set_at_each_evaluation_is_still_val(tmp_path):
    """The Hugging Face Trainer makes a new DataLoader for every evaluation over its one
    eval_dataset: each evaluation is VAL (before, only the first loader's were, and the later
    ones' metrics came from a fragment of the set). A loader over another dataset (the test
    set) is still kept out."""
    body = _MNIST_LIKE.replace("val_loader = DataLoader(data(256), batch_size=64)\n", "val_set = data(256)\n").replace(
        "print('val', evaluate(val_loader))", "print('val', evaluate(DataLoader(val_set, batch_size=64)))"
    )
    code, err, report = _run_text(tmp_path, body)
    assert code == 0 and report["verdict"] == "healthy", err
    lines = [ln for ln in err.splitlines() if ln.startswith("E0")]
    assert len(lines) == 3 and all("VAL[loss=" in ln for ln in lines), err
    notes = [n for n in report["notes"] if "VAL is measured on" in n]
    assert len(notes) == 1 and "test_loader" in notes[0], notes
    import json

    epochs = [json.loads(x) for x in (tmp_path / "r" / "run.jsonl").read_text().splitlines()]
    bases = {e["metrics"]["val"]["base_acc"] for e in epochs if e["type"] == "epoch"}
    assert len(bases) == 1, bases  # the whole set every time: the majority class's share is one number


def test_a_test_set_read_one_batch_ahead_stays_out_of_val(tmp_path):
    """A wrapper that fetches one batch ahead (Accelerate's prepared loaders) ends the test
    loader's pass before its last batch reaches the model: that batch is the test set's too,
    not VAL's. Each epoch's VAL loss is the script's own validation loss."""
    body = _MNIST_LIKE.replace(
        "def evaluate(loader):\n",
        "def ahead(loader):\n"
        "    it = iter(loader); cur = next(it)\n"
        "    for nxt in it:\n"
        "        yield cur; cur = nxt\n"
        "    yield cur\n"
        "def evaluate(loader, wrap=lambda l: l):\n",
    ).replace("        for x, y in loader:\n", "        for x, y in wrap(loader):\n").replace(
        "    print('val', evaluate(val_loader))\n",
        f"    open({str(tmp_path / 'val.txt')!r}, 'a').write(f'{{evaluate(val_loader)}}\\n')\n"
        "    evaluate(test_loader, ahead)\n",
    )
    code, err, report = _run_text(tmp_path, body)
    assert code == 0, err
    own = [float(x) for x in (tmp_path / "val.txt").read_text().split()]
    import json

    epochs = [json.loads(x) for x in (tmp_path / "r" / "run.jsonl").read_text().splitlines()]
    recorded = [e["metrics"]["val"]["loss"] for e in epochs if e["type"] == "epoch"]
    assert len(own) == 3 and recorded == pytest.approx(own, rel=1e-4), (recorded, own)


# ----------------------------------------------------------------------------- learning rates that decay


def _scheduled(make_sched, n: int = 120, every: int = 10):
    model = _mlp()
    opt = torch.optim.SGD(model.parameters(), lr=0.05)
    sched = make_sched(opt)
    mon = torchvitals.watch(model, opt, scheduler=sched, out="", console=False, every=every)
    for x, y in _batches(n):
        opt.zero_grad()
        F.mse_loss(model(x), y).backward()
        opt.step()
        sched.step()
    return mon.close()


def test_a_cosine_schedule_down_to_zero_is_healthy():
    diag = _scheduled(lambda o: torch.optim.lr_scheduler.CosineAnnealingLR(o, T_max=120, eta_min=0.0), every=1)
    assert not _serious(diag), _serious(diag)


def test_an_epoch_schedule_stepped_every_batch_is_found():
    diag = _scheduled(lambda o: torch.optim.lr_scheduler.StepLR(o, step_size=1, gamma=0.5))
    (f,) = [f for f in diag.at_least("warning") if f.name == "lr-too-small"]
    assert "stayed there to the end" in f.message and f.step <= 60
    assert "decayed to nothing" in f.fix


def _low_precision(lr: float, n: int = 150):
    """Weights kept in bfloat16 (model.to(torch.bfloat16), no float32 copy), AdamW."""
    model = _mlp().to(torch.bfloat16)
    opt = torch.optim.AdamW(model.parameters(), lr=lr)
    mon = torchvitals.watch(model, opt, out="", console=False, every=10)
    for x, y in _batches(n):
        opt.zero_grad()
        F.mse_loss(model(x.to(torch.bfloat16)).float(), y).backward()
        opt.step()
    return mon.close()


def test_updates_rounded_away_by_bfloat16_weights_are_told_as_such():
    """A learning rate too small for bfloat16 weights: every step is rounded away. The fix names
    the weights' precision, not lr=0, a scheduler's lambda or clipping."""
    (f,) = [f for f in _low_precision(1e-6).at_least("warning") if f.name == "parameters-not-moving"]
    assert "changed no parameter although gradients were non-zero (lr=1e-06)" in f.message, f.message
    assert "bfloat16" in f.fix and "float32" in f.fix and "clip_grad_norm_" not in f.fix, f.fix


def test_a_stall_with_a_steady_learning_rate_is_not_called_a_decayed_schedule():
    """lr-too-small's mid-run stall: the fix blames a schedule only when the learning rate fell;
    with 16-bit weights it names their precision, else the gradients."""
    from torchvitals.record import History
    from torchvitals.rules.updates import _stalled_fix

    bf16 = History(header={"params": [{"name": "w", "dtype": "bfloat16"}]})
    assert "bfloat16" in _stalled_fix(bf16, lr_fell=False) and "decayed" not in _stalled_fix(bf16, lr_fell=False)
    assert "decayed to nothing" in _stalled_fix(bf16, lr_fell=True)
    fp32 = History(header={"params": [{"name": "w", "dtype": "float32"}]})
    assert "gradient findings" in _stalled_fix(fp32, lr_fell=False)


def test_bfloat16_weights_at_a_working_learning_rate_are_healthy():
    assert "lr-too-small" not in _low_precision(3e-3).names("info")


# ----------------------------------------------------------------------------- an optimizer left behind


def _two_heads(reload: bool, n: int = 40):
    """Multi-task: a shared body and two heads, one optimizer per head stepped every iteration
    although each head trains only every other iteration (healthy); or, with reload, the model
    re-created mid-run while the optimizer keeps the old parameters."""
    torch.manual_seed(0)

    def make():
        return nn.ModuleDict({"body": nn.Linear(8, 16), "a": nn.Linear(16, 1), "b": nn.Linear(16, 1)})

    model = make()
    opt_a = torch.optim.SGD(list(model["body"].parameters()) + list(model["a"].parameters()), lr=0.05)
    opt_b = torch.optim.SGD(model["b"].parameters(), lr=0.05)
    mon = torchvitals.watch(model, [opt_a, opt_b], out="", console=False, every=5)
    for i, (x, y) in enumerate(_batches(n)):
        if reload and i == 10:
            fresh = make()
            fresh.load_state_dict(model.state_dict())
            model = fresh  # the optimizers still hold the old model's parameters
        opt_a.zero_grad()
        opt_b.zero_grad()
        head = model["a"] if i % 2 == 0 or reload else model["b"]
        F.mse_loss(head(torch.relu(model["body"](x))), y).backward()
        opt_a.step()
        opt_b.step()
    return mon.close()


def test_a_head_that_trains_every_other_iteration_is_not_abandoned():
    diag = _two_heads(reload=False)
    assert "parameters-not-moving" not in diag.names("warning"), _serious(diag)


def test_an_optimizer_left_with_the_old_model_is_found():
    diag = _two_heads(reload=True)
    found = [f for f in diag.at_least("warning") if f.name == "parameters-not-moving"]
    assert found and any("no backward pass reaching its parameters" in f.message for f in found), _serious(diag)


def test_gradients_of_inputs_on_a_model_in_eval_are_not_training(tmp_path):
    """A saliency map: backward passes to the input of a model in eval(), no optimizer, no update.
    Nothing is trained, so nothing is watched (and no skipped step is invented)."""
    body = (
        "import torch\n"
        "torch.manual_seed(0)\n"
        "model = torch.nn.Sequential(torch.nn.Linear(10, 16), torch.nn.ReLU(), torch.nn.Linear(16, 3))\n"
        "model.eval()\n"
        "for i in range(40):\n"
        "    x = torch.randn(4, 10, requires_grad=True)\n"
        "    model.zero_grad()\n"
        "    model(x)[:, 0].sum().backward()\n"
    )
    code, err, _ = _run_text(tmp_path, body)
    assert code == 0 and "nothing was judged" in err and "skipped" not in err, err
