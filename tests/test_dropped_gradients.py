"""Gradients that backward() computes and the loop drops before the step (`p.grad = None`), as
facebookresearch/dino freezes its head's last layer for the first epoch
(benchmarks/real_code/dino.py). Before, the layer was dead-parameters at WARNING live from the
third iteration, and at the end as well whenever no sampled iteration came after the freeze ended.
Now the freeze is a note live; its end is measured at the first step that keeps the gradient,
whatever the cadence; a freeze that never ends is a warning at the end. Controls: a layer that
backward never reaches is still dead at warning live, and a branch used every other iteration
adds no sampled iteration."""

from __future__ import annotations

import io
import json
from pathlib import Path

import torch
import torch.nn.functional as F
from torch import nn

import torchvitals
from torchvitals.schema import invalid_step


def _model() -> nn.Module:
    torch.manual_seed(0)
    return nn.Sequential(nn.Linear(8, 16), nn.GELU(), nn.Linear(16, 4), nn.Linear(4, 1, bias=False))


def _train(tmp_path: Path, freeze_until: int, total: int = 60, every: int = 50, skip_branch: bool = False):
    """SGD on a fixed regression; the last layer's gradient is dropped for iterations < freeze_until
    (counting from 0). Returns the findings by name, what was printed live, and the run's records."""
    model = _model()
    extra = nn.Linear(8, 1)  # used every other iteration when skip_branch
    params = [*model.parameters(), *(extra.parameters() if skip_branch else ())]
    opt = torch.optim.SGD(params, lr=0.05)
    stream = io.StringIO()
    mon = torchvitals.watch([model, extra] if skip_branch else model, opt, out=str(tmp_path), every=every)
    mon.console.stream = stream
    g = torch.Generator().manual_seed(1)
    w = torch.randn(8, 1, generator=g)
    for i in range(total):
        x = torch.randn(32, 8, generator=g)
        opt.zero_grad()
        pred = model(x) + (extra(x) if skip_branch and i % 2 else 0)
        F.mse_loss(pred, x @ w).backward()
        if i < freeze_until:
            model[3].weight.grad = None
        opt.step()
    diag = mon.close()
    run = next(Path(tmp_path).glob("*/run.jsonl"))
    records = [json.loads(line) for line in run.read_text().splitlines()]
    return {f.name: f for f in diag.findings}, stream.getvalue(), records, run.parent


def _sampled(records: list[dict]) -> list[int]:
    return [r["it"] for r in records if r.get("type") == "step" and "g" in r]


def test_a_layer_frozen_for_its_first_iterations_is_a_note_live_and_at_the_end(tmp_path):
    found, live, records, _ = _train(tmp_path, freeze_until=20)
    assert "[TORCHVITALS] WARNING TV101" not in live and "[TORCHVITALS] ERROR TV101" not in live, live
    dead = found["dead-parameters"]
    assert dead.severity == "info", dead
    # Its end is measured at iteration 21 although the cadence samples only 50 after the warm-up.
    assert "3.weight" in dead.message and "trained from iteration 21 on" in dead.message, dead.message
    assert 21 in _sampled(records)
    assert any("gx" in r for r in records if r.get("type") == "step")


def test_a_freeze_that_never_ends_is_a_warning_at_the_end(tmp_path):
    found, live, _, _ = _train(tmp_path, freeze_until=60)
    assert "[TORCHVITALS] WARNING TV101" not in live, live  # live: a note, as a freeze for a while is
    dead = found["dead-parameters"]
    assert dead.severity == "warning", dead
    assert "3.weight" in dead.message and "never trained" in dead.message, dead.message
    assert dead.evidence["kind"] == "dropped" and dead.shown_live is None  # never shown live as a problem


def test_the_same_finding_from_the_run_directory(tmp_path):
    found, _, _, run_dir = _train(tmp_path, freeze_until=60)
    offline = {f.name: f for f in torchvitals.diagnose(run_dir).findings}
    assert (offline["dead-parameters"].severity, offline["dead-parameters"].message) == (
        found["dead-parameters"].severity, found["dead-parameters"].message)


def test_a_layer_backward_never_reaches_is_still_dead_live(tmp_path):
    """Control: no gradient computed at all (the layer is not used) is no freeze."""
    torch.manual_seed(0)
    used, unused = nn.Linear(8, 1), nn.Linear(8, 1)
    opt = torch.optim.SGD([*used.parameters(), *unused.parameters()], lr=0.05)
    stream = io.StringIO()
    mon = torchvitals.watch([used, unused], opt, out=str(tmp_path))
    mon.console.stream = stream
    for _ in range(10):
        x = torch.randn(32, 8)
        opt.zero_grad()
        F.mse_loss(used(x), x[:, :1]).backward()
        opt.step()
    dead = {f.name: f for f in mon.close().findings}["dead-parameters"]
    assert "[TORCHVITALS] WARNING TV101" in stream.getvalue()  # printed live
    assert dead.severity == "warning" and "received no gradient" in dead.message, dead


def test_a_branch_used_every_other_iteration_adds_no_sampled_iteration(tmp_path):
    """Control: a gradient that is not computed at some iterations (a gate, an expert not routed
    to) is never held as dropped, so the cadence stays as it was."""
    _, _, records, _ = _train(tmp_path, freeze_until=0, total=120, skip_branch=True)
    assert _sampled(records) == _sampled(_train(tmp_path / "plain", freeze_until=0, total=120)[2])
    assert not any("gx" in r for r in records)


def test_the_hooks_go_when_the_monitor_closes(tmp_path):
    model = _model()
    opt = torch.optim.SGD(model.parameters(), lr=0.05)
    mon = torchvitals.watch(model, opt, out=str(tmp_path), console=False, every=1)
    for _ in range(4):
        opt.zero_grad()
        model(torch.randn(8, 8)).pow(2).mean().backward()
        model[3].weight.grad = None
        opt.step()
    assert model[3].weight._backward_hooks
    mon.close()
    assert not any(p._backward_hooks for p in model.parameters())


def test_the_record_field_is_checked():
    base = {"type": "step", "opt": 0, "it": 3, "g": [1.0, None], "w": [1.0, 1.0], "lr": [0.1]}
    assert invalid_step({**base, "gx": [1]}) is None
    assert invalid_step({**base, "gx": ["1"]}) == "gx"


def test_a_watched_model_with_these_hooks_saves_and_loads_without_a_warning(tmp_path):
    """Real scripts save their whole model (torch.save(model)): the hooks must not make PyTorch
    warn, and the model must load back."""
    import warnings

    model = _model()
    opt = torch.optim.SGD(model.parameters(), lr=0.05)
    mon = torchvitals.watch(model, opt, out=str(tmp_path), console=False, every=1)
    for _ in range(3):
        opt.zero_grad()
        model(torch.randn(8, 8)).pow(2).mean().backward()
        model[3].weight.grad = None
        opt.step()
    assert model[3].weight._backward_hooks  # the arrival hook is on
    buf = io.BytesIO()
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        torch.save(model, buf)
    buf.seek(0)
    loaded = torch.load(buf, weights_only=False)
    mon.close()
    x = torch.randn(4, 8)
    assert torch.equal(loaded(x), model(x))
