"""Round 21 (l21d): a model's output handed in live and cut inside the loss's function (TVL002),
parameters skipped by name before the optimizer's lists are filled (TVL006), and targets
appended one position of a 1-D series at a time (TVL009). Each buggy form has a clean twin
that differs only by the fix."""

from __future__ import annotations

import pytest

from torchvitals.lint import lint_source


def _codes(src: str) -> set[str]:
    return {f.code for f in lint_source(src, "<t>")}


HANDED = """\
import torch
import torch.nn as nn


def decode_step(decoder, codes, opt, x):
    opt.zero_grad()
    loss = ((decoder(CODES) - x) ** 2).mean()
    loss.backward()
    opt.step()


encoder = nn.Linear(10, 3)
decoder = nn.Linear(3, 10)
opt = torch.optim.Adam(list(encoder.parameters()) + list(decoder.parameters()), lr=1e-3)
for _ in range(100):
    x = torch.randn(8, 10)
    codes = encoder(x)
    decode_step(decoder, codes, opt, x)
"""


@pytest.mark.parametrize(
    ("codes", "expected"),
    [
        ("codes.detach()", {"TVL002"}),  # the encoder is in the optimizer and reaches the loss only cut
        ("codes", set()),
        ("codes + 0.0 * codes.detach()", set()),  # live beside the cut: a stop-gradient term
    ],
)
def test_output_handed_in_live_and_cut_inside(codes: str, expected: set[str]) -> None:
    assert _codes(HANDED.replace("CODES", codes)) & {"TVL002"} == expected


SKIPPED = """\
import torch
import torch.nn as nn


class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.stem = nn.Linear(16, 16, bias=False)
        self.head = nn.Linear(16, 16, bias=False)

    def forward(self, x):
        return self.head(torch.relu(self.stem(x)))


def groups(model):
    fast, slow = [], []
    for n, p in model.named_parameters():
        if TEST:
            continue
        (slow if p.ndim == 1 else fast).append(p)
    return fast, slow


net = Net()
FREEZE
fast, slow = groups(net)
opt = torch.optim.SGD([{"params": fast}, {"params": slow, "lr": 0.01}], lr=0.1)
for _ in range(10):
    loss = net(torch.randn(4, 16)).sum()
    opt.zero_grad()
    loss.backward()
    opt.step()
"""


@pytest.mark.parametrize(
    ("test", "freeze", "expected"),
    [
        ('"stem" in n', "", {"TVL006"}),
        ('n.startswith("stem.")', "", {"TVL006"}),
        ('"stem" in n', "net.stem.requires_grad_(False)", set()),  # frozen: meant to stay
        ("not p.requires_grad", "", set()),  # skips what is frozen, by the parameter itself
        ('"stemx" in n', "", set()),  # a word no parameter name holds
        ('"head" in n', "net.head.weight = net.stem.weight", set()),  # tied: yielded once, under the stem
    ],
)
def test_parameters_skipped_by_name(test: str, freeze: str, expected: set[str]) -> None:
    src = SKIPPED.replace("TEST", test).replace("FREEZE", freeze)
    assert _codes(src) & {"TVL006"} == expected


WINDOWS = """\
import numpy as np
import torch
import torch.nn as nn

series = np.sin(np.arange(1000) / 10.0) + 0.1 * np.random.randn(1000)
xs, ys = [], []
for t in range(len(series) - 16):
    xs.append(series[t:t + 16])
    ys.append(TARGET)
x = torch.tensor(np.stack(xs))
y = torch.tensor(np.array(ys))
model = nn.Sequential(nn.Linear(16, 8), nn.ReLU(), nn.Linear(8, 1))
opt = torch.optim.SGD(model.parameters(), lr=0.01)
for _ in range(5):
    loss = nn.functional.smooth_l1_loss(model(x), y)
    opt.zero_grad()
    loss.backward()
    opt.step()
"""


@pytest.mark.parametrize(
    ("target", "expected"),
    [
        ("series[t + 16]", {"TVL009"}),  # one position: (N,) against (N, 1)
        ("series[t + 16:t + 17]", set()),  # a one-long slice: (N, 1), as the model gives
    ],
)
def test_targets_appended_one_position_at_a_time(target: str, expected: set[str]) -> None:
    assert _codes(WINDOWS.replace("TARGET", target)) & {"TVL009"} == expected
