"""clip_grad_norm_'s pre-clip norm: recorded on sampled iterations, printed, and the function is
left as it was found when the monitor closes."""

from __future__ import annotations

import torch
from torch import nn

import torchvitals


def _train(mon_kwargs, steps=3, max_norm=0.1):
    torch.manual_seed(0)
    model = nn.Linear(4, 2)
    opt = torch.optim.SGD(model.parameters(), lr=0.1)
    mon = torchvitals.watch(model, opt, out="", console=False, **mon_kwargs)
    totals = []
    for _ in range(steps):
        loss = model(torch.randn(8, 4)).pow(2).mean() * 100
        opt.zero_grad()
        loss.backward()
        totals.append(float(torch.nn.utils.clip_grad_norm_(model.parameters(), max_norm)))
        opt.step()
    mon.close()
    return mon, totals


def test_pre_clip_norm_is_recorded_and_post_clip_is_the_gradient_norm():
    original = torch.nn.utils.clip_grad_norm_
    mon, totals = _train({"every": 1})
    steps = [r for r in mon.history.steps if "g" in r]
    assert [r["clip"]["pre"] for r in steps] == [torchvitals.record.rounded(t, 7) for t in totals]
    assert all(r["clip"]["max"] == 0.1 for r in steps)
    for r in steps:  # what the step applied: clipped to max_norm
        post = sum(g * g for g in r["g"]) ** 0.5
        assert post <= 0.1 * 1.001 < r["clip"]["pre"]
    assert torch.nn.utils.clip_grad_norm_ is original
    assert torch.nn.utils.clip_grad.clip_grad_norm_ is original


def test_a_script_without_clipping_has_no_clip_field():
    torch.manual_seed(0)
    model = nn.Linear(4, 2)
    opt = torch.optim.SGD(model.parameters(), lr=0.1)
    with torchvitals.watch(model, opt, out="", console=False, every=1) as mon:
        for _ in range(2):
            opt.zero_grad()
            model(torch.randn(8, 4)).sum().backward()
            opt.step()
    assert all("clip" not in r for r in mon.history.steps)


def test_a_clip_from_a_measured_total_is_recorded():
    """Accelerate (>= 1.16) and the Trainer clip with get_total_norm + clip_grads_with_norm_,
    never calling clip_grad_norm_: the total they pass is the pre-clip norm."""
    if not hasattr(torch.nn.utils, "clip_grads_with_norm_"):  # torch < 2.6
        return
    original = torch.nn.utils.clip_grads_with_norm_
    torch.manual_seed(0)
    model = nn.Sequential(nn.Linear(4, 3), nn.Linear(3, 2))
    opt = torch.optim.SGD(model.parameters(), lr=0.1)
    totals = []
    with torchvitals.watch(model, opt, out="", console=False, every=1) as mon:
        for i in range(3):
            opt.zero_grad()
            (model(torch.randn(8, 4)).pow(2).mean() * 100).backward()
            params = list(model.parameters())
            total = torch.nn.utils.get_total_norm([p.grad for p in params])
            totals.append(float(total))
            if i % 2:  # by keyword, over two groups as a per-mesh clip does
                for group in (params[:2], params[2:]):
                    torch.nn.utils.clip_grads_with_norm_(group, max_norm=0.1, total_norm=total)
            else:
                torch.nn.utils.clip_grads_with_norm_(params, 0.1, total)
            opt.step()
    steps = [r for r in mon.history.steps if "g" in r]
    assert [r["clip"]["pre"] for r in steps] == [torchvitals.record.rounded(t, 7) for t in totals]
    assert all(r["clip"]["max"] == 0.1 for r in steps)
    assert torch.nn.utils.clip_grads_with_norm_ is original


def test_clip_grad_norm_is_told_once_per_call():
    seen = []
    from torchvitals.probes.clip import unwatch_clip, watch_clip

    watch_clip(-1, lambda params, total, max_norm: seen.append((len(params), float(total), max_norm)))
    try:
        model = nn.Linear(4, 2)
        model(torch.randn(3, 4)).sum().backward()
        total = torch.nn.utils.clip_grad_norm_(model.parameters(), 0.5)
    finally:
        unwatch_clip(-1)
    assert seen == [(2, float(total), 0.5)]
