"""What reaches a loss, a loader or a per-row report in ways of writing round 20 met: a model
moved to a device in the expression that builds it, a target shaped (B,) against a (B, 1) head
read through a dataset's items or a returned tuple, a loader flag with a default the config
never overrides. Each case is a buggy form and its clean twin that differ only by the fix."""

from __future__ import annotations

import pytest

from torchvitals.lint import lint_source


def _codes(src: str) -> set[str]:
    return {f.code for f in lint_source(src, "<t>")}


MOVED_PROB_MODEL = """\
import torch
from torch import nn

dev = "cuda" if torch.cuda.is_available() else "cpu"


def build(width):
    return {built}


net = {net}
objective = nn.{loss}()
opt = torch.optim.SGD(net.parameters(), lr=0.05)
for xb, yb in [(torch.randn(16, 20), torch.randint(0, 5, (16,)))]:
    scores = net(xb.to(dev))
    err = objective(scores, yb.to(dev))
    opt.zero_grad()
    err.backward()
    opt.step()
"""
SOFT = "nn.Sequential(nn.Linear(20, width), nn.Tanh(), nn.Linear(width, 5), nn.Softmax(-1))"
RAW = "nn.Sequential(nn.Linear(20, width), nn.Tanh(), nn.Linear(width, 5))"


@pytest.mark.parametrize(
    ("built", "net", "loss", "fires"),
    [
        (SOFT, "build(32).to(dev)", "CrossEntropyLoss", True),
        (RAW, "build(32).to(dev)", "CrossEntropyLoss", False),
        (SOFT + ".to(dev)", "build(32)", "CrossEntropyLoss", True),
        (RAW + ".to(dev)", "build(32)", "CrossEntropyLoss", False),
        ("None", SOFT.replace("width", "32") + ".float().to(dev)", "NLLLoss", True),
        ("None", SOFT.replace("width", "32").replace("Softmax(-1)", "LogSoftmax(-1)") + ".float().to(dev)", "NLLLoss", False),
    ],
)
def test_probability_model_moved_where_it_is_built(built, net, loss, fires):
    """`nn.Sequential(..., nn.Softmax(-1)).to(device)`: a move does not change what it outputs."""
    assert ("TVL008" in _codes(MOVED_PROB_MODEL.format(built=built, net=net, loss=loss))) is fires
