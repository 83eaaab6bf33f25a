"""Guards act on a live run: each fault with a healthy control, standalone and watched."""

import json
import math

import pytest
import torch
import torch.nn.functional as F
from cases import GatedNet, batches, mlp, regression_data
from torch import nn

import torchvitals
from torchvitals.guards import DegeneracyGuard, GatedScheduler, gate_stats, step_gate

GUARD_EVENTS = (
    "degeneracy-reset",
    "degeneracy-recovery-failed",
    "degeneracy-excessive-resets",
    "gated-skip",
    "sched-held",
)


def _guard_events(diag):
    """The guards' event counts in a diagnosis summary (other event kinds left out)."""
    return {k: v for k, v in diag.summary["events"].items() if k in GUARD_EVENTS}


def _events(run_dir, kind):
    recs = [json.loads(line) for line in (run_dir / "run.jsonl").read_text().splitlines()]
    return [r for r in recs if r.get("type") == "event" and r.get("kind") == kind]


# ----------------------------------------------------------------------------- degeneracy


class Regressor(nn.Module):
    """A regression head ending in ReLU (non-negative targets): a large negative bias kills it,
    every prediction is then exactly 0 and no gradient can bring it back."""

    def __init__(self) -> None:
        super().__init__()
        self.body = nn.Sequential(nn.Linear(8, 32), nn.Tanh())
        self.head = nn.Sequential(nn.Linear(32, 1), nn.ReLU())

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.head(self.body(x))


def _train_regressor(kill_at=None, steps=60, watched=None):
    torch.manual_seed(0)
    model = Regressor()
    opt = torch.optim.Adam(model.parameters(), lr=1e-2)
    guard = DegeneracyGuard(model.head, optimizer=opt)
    mon = None
    if watched is not None:
        mon = torchvitals.watch(model, opt, out=str(watched), name="r", console=False)
    x, y = regression_data()
    y = F.softplus(y)
    for i, (xb, yb) in enumerate(batches(x, y, steps)):
        if i == kill_at:
            with torch.no_grad():
                model.head[0].bias.fill_(-100.0)  # the collapse: the ReLU head is dead
        opt.zero_grad()
        pred = model(xb)
        (F.mse_loss(pred, yb) + guard.penalty(pred)).backward()
        opt.step()
        guard.check(pred)
    with torch.no_grad():
        spread = model(x).std().item()
    return guard, spread, mon


def test_collapsed_head_is_reset_and_recovers(capsys):
    guard, spread, _ = _train_regressor(kill_at=20)
    assert guard.resets == 1 and guard.resets_this_epoch == 1 and guard.failed_recoveries == 0
    assert spread > 0.05  # the model predicts again after the reset
    err = capsys.readouterr().err
    assert err.count("[DEGENERACY-GUARD] reset applied (std=0.000e+00)") == 1
    assert err.count("[DEGENERACY-GUARD] variance restored (std=") == 1
    assert "failed" not in err


def test_without_guard_the_collapse_stays():
    torch.manual_seed(0)
    model = Regressor()
    opt = torch.optim.Adam(model.parameters(), lr=1e-2)
    x, y = regression_data()
    for i, (xb, yb) in enumerate(batches(x, F.softplus(y), 40)):
        if i == 20:
            with torch.no_grad():
                model.head[0].bias.fill_(-100.0)
        opt.zero_grad()
        F.mse_loss(model(xb), yb).backward()
        opt.step()
    with torch.no_grad():
        assert model(x).std().item() == 0.0


def test_healthy_regression_is_never_reset(capsys):
    torch.manual_seed(0)
    model = mlp()
    opt = torch.optim.Adam(model.parameters(), lr=1e-3)
    guard = DegeneracyGuard(model[4])
    x, y = regression_data()
    for xb, yb in batches(x, y, 60):
        opt.zero_grad()
        pred = model(xb)
        penalty = guard.penalty(pred)
        assert penalty.item() == 0.0  # healthy spread: the penalty does not touch the loss
        (F.mse_loss(pred, yb) + penalty).backward()
        opt.step()
        assert guard.check(pred) is False
    assert guard.resets == 0 and guard.failed_recoveries == 0 and guard.epoch_end() == 0
    assert "DEGENERACY-GUARD" not in capsys.readouterr().err


def test_watched_resets_are_events_in_the_record(tmp_path):
    guard, _, mon = _train_regressor(kill_at=20, watched=tmp_path)
    diag = mon.close()
    assert guard.resets == 1
    assert _guard_events(diag) == {"degeneracy-reset": 1}
    assert _guard_events(torchvitals.diagnose(tmp_path / "r")) == {"degeneracy-reset": 1}
    (ev,) = _events(tmp_path / "r", "degeneracy-reset")
    assert ev["head"] == "head" and ev["std"] == 0.0
    assert diag.healthy, [(f.name, f.message) for f in diag.at_least("warning")]


def test_watched_healthy_control_has_no_events(tmp_path):
    guard, _, mon = _train_regressor(watched=tmp_path)
    assert guard.resets == 0 and _guard_events(mon.close()) == {}


def test_reset_that_cannot_restore_variance_is_reported(tmp_path, capsys):
    """A collapse upstream of the head (every input identical): a new head cannot help."""
    torch.manual_seed(0)
    model = Regressor()
    opt = torch.optim.SGD(model.parameters(), lr=1e-2)
    guard = DegeneracyGuard(model.head, max_resets_per_epoch=2)
    mon = torchvitals.watch(model, opt, out=str(tmp_path), name="r", console=False)
    x = torch.ones(16, 8)
    for _ in range(9):
        opt.zero_grad()
        pred = model(x)
        F.mse_loss(pred, torch.ones(16, 1)).backward()
        opt.step()
        guard.check(pred)
    # reset, 2 verifying calls, reset, ...: 3 resets, all failed
    assert guard.resets == 3 and guard.failed_recoveries == 3
    assert guard.epoch_end() == 3 and guard.resets_this_epoch == 0
    err = capsys.readouterr().err
    assert err.count("[DEGENERACY-GUARD] reset failed to restore variance (std=") == 3
    assert (
        "[DEGENERACY-GUARD] 3 resets this epoch (> 2): reduce PRED_STD_FLOOR or increase "
        "VARIANCE_PENALTY_WEIGHT" in err
    )
    events = _guard_events(mon.close())
    assert events["degeneracy-reset"] == 3 and events["degeneracy-recovery-failed"] == 3
    assert events["degeneracy-excessive-resets"] == 1


def test_reset_redraws_weights_zeroes_biases_keeps_norm_scales_and_optimizer_state():
    torch.manual_seed(0)
    head = nn.Sequential(nn.Linear(16, 16), nn.LayerNorm(16), nn.Linear(16, 2))
    opt = torch.optim.Adam(head.parameters(), lr=1e-3)
    head(torch.randn(4, 16)).sum().backward()
    opt.step()
    norm_scale = head[1].weight.detach().clone()
    guard = DegeneracyGuard(head, reset_scale=0.1, optimizer=opt)
    assert guard.check(torch.zeros(8, 2)) is True
    assert 0.07 < head[0].weight.std().item() < 0.13
    assert head[0].bias.abs().sum().item() == 0.0 and head[2].bias.abs().sum().item() == 0.0
    assert torch.equal(head[1].weight, norm_scale)  # a norm scale is left alone
    assert not opt.state  # stale Adam moments of the old head are gone


def test_penalty_is_differentiable_zero_when_healthy_positive_when_collapsed():
    guard = DegeneracyGuard(nn.Linear(4, 3), variance_penalty=0.5, std_floor=1e-6)
    healthy = torch.randn(32, 3, requires_grad=True)
    assert guard.penalty(healthy).item() == 0.0

    collapsed = torch.full((32, 3), 0.7, requires_grad=True)
    pen = guard.penalty(collapsed)
    assert pen.dim() == 0 and pen.item() > 0
    pen.backward()
    assert torch.isfinite(collapsed.grad).all()  # finite even at exactly zero spread

    # Nearly collapsed: a gradient step on the penalty spreads the predictions apart.
    torch.manual_seed(0)
    near = (0.7 + 1e-6 * torch.randn(32, 3)).requires_grad_()
    pen = guard.penalty(near)
    pen.backward()
    with torch.no_grad():
        moved = near - 1e-4 * near.grad / near.grad.abs().max()
    assert pen.item() > 0 and moved.std(0).min() > near.std(0).max()
    assert guard.penalty(moved).item() < pen.item()


def test_penalty_formula_and_shapes():
    guard = DegeneracyGuard(nn.Linear(2, 2), std_floor=1e-3, variance_penalty=2.0, target_std=0.5)
    pred = torch.tensor([[0.0, 0.0], [0.2, 2.0]])  # population stds 0.1 and 1.0
    expected = 2.0 * (0.5 - math.sqrt(0.01 + 1e-6)) / 2
    assert guard.penalty(pred).item() == pytest.approx(expected, rel=1e-5)
    assert guard.penalty(pred.reshape(2, 1, 2)).item() == pytest.approx(expected, rel=1e-5)
    assert DegeneracyGuard(nn.Linear(2, 2), variance_penalty=0.0).penalty(pred).item() == 0.0


def test_guard_knobs_from_environment_keyword_wins(monkeypatch):
    monkeypatch.setenv("TORCHVITALS_PRED_STD_FLOOR", "1e-3")
    monkeypatch.setenv("TORCHVITALS_DEGENERACY_RESET_SCALE", "0.1")
    monkeypatch.setenv("TORCHVITALS_VARIANCE_PENALTY_WEIGHT", "0.02")
    g = DegeneracyGuard(nn.Linear(2, 1))
    assert (g.std_floor, g.reset_scale, g.variance_penalty) == (1e-3, 0.1, 0.02)
    assert g.target_std == pytest.approx(0.1)
    g = DegeneracyGuard(nn.Linear(2, 1), std_floor=1e-5, reset_scale=0.2, variance_penalty=0.0)
    assert (g.std_floor, g.reset_scale, g.variance_penalty) == (1e-5, 0.2, 0.0)


@pytest.mark.parametrize("raw", ["abc", "-1", "nan"])
def test_malformed_environment_warns_and_keeps_the_default(monkeypatch, raw):
    monkeypatch.setenv("TORCHVITALS_DEGENERACY_RESET_SCALE", raw)
    with pytest.warns(UserWarning, match="TORCHVITALS_DEGENERACY_RESET_SCALE"):
        g = DegeneracyGuard(nn.Linear(2, 1))
    assert g.reset_scale == 0.05 and g.std_floor == 1e-6 and g.variance_penalty == 0.01
    with pytest.raises(ValueError):
        DegeneracyGuard(nn.Linear(2, 1), reset_scale=-1.0)  # a wrong keyword is a bug: say so


def test_odd_input_never_raises(capsys):
    head = nn.Linear(4, 1)
    before = head.weight.detach().clone()
    guard = DegeneracyGuard(head)
    odd = [
        torch.empty(0, 1),
        torch.full((8, 1), float("nan")),
        torch.tensor([[1.0], [float("inf")]]),
        torch.randn(1, 1),
        torch.tensor(3.0),
        None,
    ]
    for _ in range(3):  # each kind is said once, not every batch
        for pred in odd:
            assert guard.check(pred) is False
            pen = guard.penalty(pred)
            assert isinstance(pen, torch.Tensor) and pen.dim() == 0
    assert guard.penalty(torch.empty(0, 1)).item() == 0.0
    assert guard.penalty(torch.randn(1, 3)).item() == 0.0
    assert guard.resets == 0 and torch.equal(head.weight, before)
    err = capsys.readouterr().err
    assert err.count("empty predictions") == 1 and err.count("NaN/Inf") == 1
    assert err.count("fewer than 2") == 1 and err.count("expected a tensor") == 2  # check, penalty
    # A head without parameters: the reset says so and carries on.
    assert DegeneracyGuard(nn.ReLU()).check(torch.zeros(4, 1)) is True
    assert "no parameters" in capsys.readouterr().err


# ----------------------------------------------------------------------------- step gate


def _gated_loop(steps=30, inf_at=(), scaler=None, watched=None, sched=False):
    """Seed 004's model: a backbone and two K-specific heads taking turns, stepped through
    step_gate (the strict gate of cases.step_gate skipped every other step)."""
    torch.manual_seed(0)
    model = GatedNet()
    opt = torch.optim.Adam(model.parameters(), lr=1e-3)
    inner = torch.optim.lr_scheduler.StepLR(opt, step_size=5) if sched else None
    gated = GatedScheduler(inner) if sched else None
    mon = None
    if watched is not None:
        mon = torchvitals.watch(
            model, opt, out=str(watched), name="r", console=False, scaler=scaler, scheduler=inner
        )
    x, y = regression_data()
    taken, moved = [], []
    for i, (xb, yb) in enumerate(batches(x, y, steps)):
        opt.zero_grad(set_to_none=True)
        loss = F.mse_loss(model(xb, k=i % 2), yb)
        (scaler.scale(loss) if scaler is not None else loss).backward()
        if i in inf_at:
            model.backbone[0].weight.grad[0, 0] = float("inf")
        before = model.backbone[0].weight.detach().clone()
        taken.append(step_gate(opt, scaler))
        moved.append(not torch.equal(before, model.backbone[0].weight))
        if gated is not None:
            gated.step()
    return opt, taken, moved, mon, inner, gated


def test_step_gate_steps_every_iteration_with_a_conditional_head(tmp_path, capsys):
    opt, taken, moved, mon, _, _ = _gated_loop(watched=tmp_path)
    assert all(taken) and all(moved)
    stats = gate_stats(opt)
    assert (stats.calls, stats.steps, stats.skips) == (30, 30, 0) and stats.last_norm > 0
    assert "[STEP-GATE]" not in capsys.readouterr().err
    diag = mon.close()
    assert not [f for f in diag.findings if f.name == "skipped-steps"]
    assert diag.healthy and _guard_events(diag) == {}
    assert diag.summary["optimizers"][0]["steps"] == 30


def test_step_gate_skips_inf_gradients_counts_and_reports_them(tmp_path, capsys):
    inf_at = (4, 11, 19)  # 4 is a sampled iteration: the monitor sees the inf gradient too
    opt, taken, moved, mon, _, _ = _gated_loop(inf_at=inf_at, watched=tmp_path)
    skipped = [i for i, t in enumerate(taken) if not t]
    assert skipped == list(inf_at) and moved == taken  # parameters stay put on a skip
    stats = gate_stats(opt)
    assert (stats.steps, stats.skips, stats.nonfinite, stats.zero) == (27, 3, 3, 0)
    err = capsys.readouterr().err
    assert "[STEP-GATE] skipped step 5: gradient norm inf (1 skipped of 5 so far)" in err
    assert err.count("[STEP-GATE] skipped step") == 3
    diag = mon.close()
    assert _guard_events(diag) == {"gated-skip": 3}
    assert _guard_events(torchvitals.diagnose(tmp_path / "r")) == {"gated-skip": 3}
    ev = _events(tmp_path / "r", "gated-skip")
    assert [e["reason"] for e in ev] == ["inf"] * 3 and all(e["norm"] == math.inf for e in ev)
    # Skips the gate announced are not a silently skipping gate; the inf is reported as handled.
    assert not [f for f in diag.at_least("warning")], [(f.name, f.message) for f in diag.findings]


def test_step_gate_with_grad_scaler(tmp_path, capsys):
    scaler = torch.amp.GradScaler("cpu")
    opt, taken, moved, mon, _, _ = _gated_loop(inf_at=(7, 11), scaler=scaler, watched=tmp_path)
    assert [i for i, t in enumerate(taken) if not t] == [7, 11] and moved == taken
    assert scaler.get_scale() == 65536.0 / 4  # each inf made the scale back off
    assert gate_stats(opt).skips == 2
    assert capsys.readouterr().err.count("[STEP-GATE] skipped step") == 2
    diag = mon.close()
    assert _guard_events(diag) == {"gated-skip": 2}
    assert diag.summary["optimizers"][0]["steps"] == 28


def test_step_gate_with_grad_scaler_healthy_control():
    scaler = torch.amp.GradScaler("cpu")
    opt, taken, moved, _, _, _ = _gated_loop(steps=20, scaler=scaler)
    assert all(taken) and all(moved) and scaler.get_scale() == 65536.0
    # The gate unscaled before judging: the norm it saw is the true one, not ×65536.
    assert gate_stats(opt).last_norm < 100


def test_step_gate_after_the_loop_unscaled_for_clipping():
    torch.manual_seed(0)
    model = mlp()
    opt = torch.optim.SGD(model.parameters(), lr=1e-2)
    scaler = torch.amp.GradScaler("cpu")
    x, y = regression_data()
    for xb, yb in batches(x, y, 5):
        opt.zero_grad()
        scaler.scale(F.mse_loss(model(xb), yb)).backward()
        scaler.unscale_(opt)
        torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
        assert step_gate(opt, scaler)  # no "unscale_() has already been called" error
    assert gate_stats(opt).last_norm <= 1.0 + 1e-5


@pytest.mark.parametrize("use_scaler", [False, True])
def test_step_gate_without_gradients_skips_and_says_why(use_scaler, capsys):
    model = nn.Linear(3, 1)
    opt = torch.optim.SGD(model.parameters(), lr=0.1)
    scaler = torch.amp.GradScaler("cpu") if use_scaler else None
    assert step_gate(opt, scaler) is False  # no backward yet: nothing to step on
    loss = model(torch.randn(2, 3)).sum().mul(0.0)  # gradients, all exactly zero
    (scaler.scale(loss) if scaler is not None else loss).backward()
    assert step_gate(opt, scaler) is False
    stats = gate_stats(opt)
    assert (stats.skips, stats.zero, stats.nonfinite) == (2, 2, 0)
    err = capsys.readouterr().err
    assert "[STEP-GATE] skipped step 1: no parameter has a gradient (norm 0)" in err
    assert "[STEP-GATE] skipped step 2: gradient norm 0.0" in err


def test_step_gate_nan_and_sparse_gradients(capsys):
    emb = nn.Embedding(10, 4, sparse=True)
    opt = torch.optim.SGD(emb.parameters(), lr=0.1)
    emb(torch.tensor([1, 2])).sum().backward()
    assert step_gate(opt) is True
    assert gate_stats(opt).last_norm == pytest.approx(math.sqrt(8))
    opt.zero_grad()
    emb(torch.tensor([1, 2])).sum().mul(float("nan")).backward()
    assert step_gate(opt) is False
    assert "gradient norm nan" in capsys.readouterr().err


# ----------------------------------------------------------------------------- scheduler gate


def test_gated_scheduler_follows_real_optimizer_steps(tmp_path, capsys):
    opt, taken, _, mon, inner, gated = _gated_loop(
        steps=40, inf_at=(7, 11, 19, 23), sched=True, watched=tmp_path
    )
    assert inner.last_epoch == gated.last_epoch == sum(taken) == 36
    assert gated.held == 4 and gated.stepped == 36
    assert gated.get_last_lr() == inner.get_last_lr() == [pytest.approx(1e-3 * 0.1**7)]
    err = capsys.readouterr().err
    assert err.count("[SCHED-GATE] held: no optimizer step since the last scheduler step") == 3
    diag = mon.close()
    assert _guard_events(diag) == {"gated-skip": 4, "sched-held": 4}
    assert not [f for f in diag.findings if f.name == "scheduler-step-mismatch"]
    gated.remove()


def test_gated_scheduler_healthy_control_steps_every_time(capsys):
    opt, taken, _, _, inner, gated = _gated_loop(steps=20, sched=True)
    assert all(taken) and inner.last_epoch == 20 and gated.held == 0
    assert "[SCHED-GATE]" not in capsys.readouterr().err
    gated.remove()


def test_gated_scheduler_holds_on_grad_scaler_skips():
    """GradScaler's own inf skip leaves optimizer.step uncalled: the scheduler holds too."""
    torch.manual_seed(0)
    model = mlp()
    opt = torch.optim.SGD(model.parameters(), lr=0.1)
    scaler = torch.amp.GradScaler("cpu")
    with GatedScheduler(torch.optim.lr_scheduler.LambdaLR(opt, lambda s: 1 / (s + 1))) as sched:
        x, y = regression_data()
        for i, (xb, yb) in enumerate(batches(x, y, 10)):
            opt.zero_grad()
            scaler.scale(F.mse_loss(model(xb), yb)).backward()
            if i in (2, 3):
                model[0].weight.grad[0, 0] = float("inf")
            scaler.step(opt)
            scaler.update()
            sched.step()
        assert sched.last_epoch == 8 and sched.held == 2
    # After remove() (the with block) the wrapper passes straight through.
    assert sched.step() is True and sched.step() is True and sched.last_epoch == 10


def test_gated_scheduler_delegates_state():
    opt = torch.optim.SGD(nn.Linear(2, 1).parameters(), lr=1.0)
    gated = GatedScheduler(torch.optim.lr_scheduler.StepLR(opt, step_size=1, gamma=0.5))
    state = gated.state_dict()
    assert state["last_epoch"] == 0 and gated.optimizer is opt and gated.step_size == 1
    opt.step()
    gated.step()
    assert gated.get_last_lr() == [0.5]
    gated.load_state_dict(state)
    assert gated.last_epoch == 0
    gated.remove()
    with pytest.raises(TypeError):
        GatedScheduler(object())


def test_the_same_collapse_unguarded_is_a_prediction_collapse_finding(tmp_path):
    """The fault the guard repairs is found by the monitor when nothing repairs it."""
    torch.manual_seed(0)
    model = Regressor()
    opt = torch.optim.Adam(model.parameters(), lr=1e-2)
    # detail_every=5: the output value checks on every sampled iteration (default: every 10th)
    mon = torchvitals.watch(model, opt, out=str(tmp_path), name="r", console=False, every=5, detail_every=5)
    x, y = regression_data()
    for i, (xb, yb) in enumerate(batches(x, F.softplus(y), 60)):
        if i == 20:
            with torch.no_grad():
                model.head[0].bias.fill_(-100.0)
        opt.zero_grad()
        pred = model(xb)
        F.mse_loss(pred, yb).backward()
        opt.step()
        mon.observe(pred, yb)
    diag = mon.close()
    (f,) = [f for f in diag.at_least("warning") if f.name == "prediction-collapse"]
    assert f.step > 20 and f.evidence["resets"] == 0
