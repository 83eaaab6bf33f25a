"""A pass shared by training and evaluation whose optimizer step sits under a test on what the
caller passes (round 21): the evaluation caller's own arguments decide whether it steps. Each
case is a buggy form and its clean twin that differ only by the fix."""

from __future__ import annotations

import pytest

from torchvitals.lint import lint_source


def _codes(src: str) -> set[str]:
    return {f.code for f in lint_source(src, "<t>")}


METHOD_PASS = """\
import torch
import torch.nn.functional as F


class Loop:
    def __init__(self, net, opt):
        self.net, self.opt = net, opt

    def sweep(self, batches, mode, keep_grads):
        self.net.train(mode == "fit")
        total = 0.0
        for xb, yb in batches:
            loss = F.mse_loss(self.net(xb), yb)
            if keep_grads:
                self.opt.zero_grad()
                loss.backward()
                self.opt.step()
            total += loss.item()
        return total

    def fit(self, batches):
        return self.sweep(batches, "fit", True)

    def evaluate(self, batches):
        return self.sweep(batches, "score", {flag})


net = torch.nn.Linear(4, 1)
loop = Loop(net, torch.optim.SGD(net.parameters(), lr=0.1))
data = [(torch.randn(8, 4), torch.randn(8, 1)) for _ in range(10)]
for epoch in range(5):
    loop.fit(data)
    print(loop.evaluate(data[:2]))
"""

DEFAULT_PASS = """\
import torch
from torch import nn


def one_epoch(model, rows, opt, backprop=True):
    model.train(backprop)
    seen = 0.0
    for feats, label in rows:
        loss = nn.functional.cross_entropy(model(feats), label)
        if backprop:
            opt.zero_grad()
            loss.backward()
            opt.step()
        seen += float(loss)
    return seen


def evaluate(model, rows, opt):
    return one_epoch(model, rows, opt{passed})


model = nn.Sequential(nn.Linear(16, 32), nn.Dropout(0.1), nn.Linear(32, 3))
opt = torch.optim.Adam(model.parameters(), lr=1e-3)
rows = [(torch.randn(4, 16), torch.randint(0, 3, (4,))) for _ in range(20)]
for epoch in range(3):
    one_epoch(model, rows, opt)
    print(epoch, evaluate(model, rows[:5], opt))
"""


@pytest.mark.parametrize(("flag", "fires"), [("True", True), ("False", False)])
def test_evaluation_passes_the_flag_that_keeps_the_step_on(flag, fires):
    assert ("TVL004" in _codes(METHOD_PASS.format(flag=flag))) is fires


@pytest.mark.parametrize(("passed", "fires"), [("", True), (", backprop=False", False)])
def test_evaluation_leaves_a_stepping_default_on(passed, fires):
    assert ("TVL004" in _codes(DEFAULT_PASS.format(passed=passed))) is fires
