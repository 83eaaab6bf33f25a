"""lr-too-large (TV205) judges the part of an update that does not grow a weight matrix along
itself: the weight norms after the step (`wa`) with those before (`w`) and ‖Δw‖ (`d`) split the
update. A layer that must scale up from a small initialisation (Forward-Forward: unit-norm
inputs, a goodness threshold its weights must grow to reach) keeps what it holds; an update
that turns the weights does not."""

from __future__ import annotations

import json
import math
from pathlib import Path

import pytest
import torch
import torch.nn.functional as F
from torch import nn

import torchvitals
from torchvitals.stats import rewrite_ratio


def _split(w: torch.Tensor, delta: torch.Tensor) -> float:
    """The reference: ‖Δw less its positive component along w‖ / ‖w‖, from the vectors."""
    along = torch.dot(w, delta) / w.norm()
    rest = delta - max(float(along), 0.0) * w / w.norm()
    return float(rest.norm() / w.norm())


@pytest.mark.parametrize("seed", range(6))
@pytest.mark.parametrize("push", [-1.0, 0.0, 0.5, 2.0])
def test_rewrite_ratio_is_the_update_less_its_growth_along_the_weights(seed, push):
    g = torch.Generator().manual_seed(seed)
    w = torch.randn(500, dtype=torch.float64, generator=g)
    delta = 0.3 * torch.randn(500, dtype=torch.float64, generator=g) + push * 0.2 * w
    got = rewrite_ratio(float(delta.norm()), float(w.norm()), float((w + delta).norm()))
    assert got == pytest.approx(_split(w, delta), rel=1e-9)


def test_rewrite_ratio_of_pure_growth_shrinkage_and_an_unknown_after():
    assert rewrite_ratio(0.5, 1.0, 1.5) == pytest.approx(0.0, abs=1e-12)  # w → 1.5 w: nothing rewritten
    assert rewrite_ratio(0.5, 1.0, 0.5) == pytest.approx(0.5)  # w → 0.5 w: shrinking counts
    assert rewrite_ratio(0.5, 1.0, math.hypot(1.0, 0.5)) == pytest.approx(0.5)  # a turn counts whole
    assert rewrite_ratio(0.5, 1.0, None) == 0.5  # no norm after the step: ‖Δw‖/‖w‖
    assert rewrite_ratio(0.5, 1.0, float("nan")) == 0.5


def _goodness_layer(lr: float, tmp_path: Path, steps: int = 30):
    """One Forward-Forward layer as pytorch/examples trains it: inputs scaled to unit norm, the
    label written into the first features, log(1 + exp(θ − goodness)) on positive samples and
    log(1 + exp(goodness − θ)) on negative ones, Adam on the layer's own parameters."""
    torch.manual_seed(0)
    layer = nn.Linear(256, 128)
    opt = torch.optim.Adam(layer.parameters(), lr=lr)
    mon = torchvitals.watch(layer, opt, out=str(tmp_path), console=False)
    g = torch.Generator().manual_seed(0)
    y = torch.randint(0, 4, (256,), generator=g)
    x = torch.randn(4, 256, generator=g)[y] + torch.randn(256, 256, generator=g)
    pos, neg = x.clone(), x.clone()
    pos[:, :4], neg[:, :4] = 0.0, 0.0
    pos[range(256), y], neg[range(256), (y + 1) % 4] = x.max(), x.max()
    for _ in range(steps):
        g_pos = F.relu(layer(pos / pos.norm(dim=1, keepdim=True))).pow(2).mean(1)
        g_neg = F.relu(layer(neg / neg.norm(dim=1, keepdim=True))).pow(2).mean(1)
        loss = torch.log1p(torch.exp(torch.cat([2.0 - g_pos, g_neg - 2.0]))).mean()
        opt.zero_grad()
        loss.backward()
        opt.step()
    return mon.close()


def _weight_ratios(tmp_path: Path) -> list[float]:
    """‖Δw‖/‖w‖ of the weight matrix (position 0) on the sampled steps after the first."""
    (run,) = tmp_path.rglob("run.jsonl")
    recs = [json.loads(line) for line in run.read_text().splitlines()]
    return [r["d"][0] / r["w"][0] for r in recs if r.get("type") == "step" and r.get("d") and r["it"] > 1]


def test_a_layer_growing_from_its_initialisation_is_not_lr_too_large(tmp_path):
    diag = _goodness_layer(0.03, tmp_path)
    assert "lr-too-large" not in diag.names(), [(f.name, f.message) for f in diag.findings]
    # Not for want of large updates: the whole ‖Δw‖/‖w‖ was above 0.3 three sampled steps in a
    # row, which alone made the warning (the weights grew along themselves).
    assert sum(r > 0.3 for r in _weight_ratios(tmp_path)[:3]) == 3


def test_a_layer_replaced_by_its_first_step_is_still_lr_too_large(tmp_path):
    diag = _goodness_layer(0.3, tmp_path)
    (f,) = [f for f in diag.findings if f.name == "lr-too-large"]
    assert f.severity == "warning" and f.step == 1, f.message


def test_updates_that_turn_the_weights_are_still_lr_too_large():
    """Adam at lr=0.2 on a small classifier: three large steps in a row that do not grow the
    weights along themselves."""
    torch.manual_seed(0)
    model = nn.Sequential(nn.Linear(16, 64), nn.GELU(), nn.Linear(64, 64), nn.GELU(), nn.Linear(64, 2))
    opt = torch.optim.Adam(model.parameters(), lr=0.2)
    mon = torchvitals.watch(model, opt, out="", console=False)
    g = torch.Generator().manual_seed(0)
    for _ in range(12):
        x = torch.randn(32, 16, generator=g)
        opt.zero_grad()
        F.cross_entropy(model(x), (x[:, 0] > 0).long()).backward()
        opt.step()
    (f,) = [f for f in mon.close().findings if f.name == "lr-too-large"]
    assert f.severity == "warning" and f.evidence["hits"] >= 3 and "growth" not in f.message, f.message
