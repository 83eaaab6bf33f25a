"""Ways of writing for TVL004 and TVL006, each with the twin that differs by the fix:
a pass flag derived from a mode argument, a freeze that stores a setting instead of a constant,
parameter groups appended in a loop over configured name prefixes."""

from __future__ import annotations

import pytest

from torchvitals.lint.files import lint_source

SHARED_PASS = """\
import torch
from torch import nn


class Loop:
    def __init__(self, net, opt):
        self.net, self.opt = net, opt
        self.crit = nn.SmoothL1Loss()

    def one_pass(self, batches, phase):
        fitting = phase in ("fit", "train")
        self.net.train(fitting)
        total = 0.0
        for xb, yb in batches:
            err = self.crit(self.net(xb), yb)
            if fitting:
                self.opt.zero_grad()
                err.backward()
{step}
            total += err.item()
        return total

    def run(self, train_batches, held_out, epochs):
        for _ in range(epochs):
            self.one_pass(train_batches, "fit")
            print(self.one_pass(held_out, "check"))


net = nn.Linear(4, 1)
Loop(net, torch.optim.SGD(net.parameters(), lr=0.1)).run([], [], 3)
"""


@pytest.mark.parametrize(("step", "fires"), [("            self.opt.step()", True), ("                self.opt.step()", False)])
def test_a_step_outside_a_flag_derived_from_the_mode_argument(step, fires):
    """`fitting = phase in (...)` then `if fitting: backward()`: the evaluator reads the flag for
    the call passing "check"; the fix moves the step under the same test."""
    codes = [f.code for f in lint_source(SHARED_PASS.format(step=step))]
    assert ("TVL004" in codes) is fires


SETTING_FREEZE = """\
import torch
import torch.nn as nn

SETTINGS = {{"train_encoder": {flag}, "lr": 3e-4}}


class Classifier(nn.Module):
    def __init__(self):
        super().__init__()
        self.encoder = nn.Sequential(nn.Linear(32, 64), nn.GELU(), nn.Linear(64, 64))
        self.classifier = nn.Linear(64, 5)

    def forward(self, x):
        return self.classifier(self.encoder(x))


def fit(batches):
    clf = Classifier()
    clf.encoder.requires_grad_(SETTINGS["train_encoder"])
    opt = torch.optim.Adam(clf.classifier.parameters(), lr=SETTINGS["lr"])
    for x, y in batches:
        opt.zero_grad()
        nn.functional.cross_entropy(clf(x), y).backward()
        opt.step()
    return clf
"""


@pytest.mark.parametrize(("flag", "fires"), [("True", True), ("False", False)])
def test_a_freeze_that_stores_a_setting_freezes_only_when_the_setting_says_so(flag, fires):
    """`requires_grad_(SETTINGS[...])` with a head-only optimizer: with the setting on, the
    encoder gets gradients and never changes; with it off, it is frozen, as intended."""
    codes = [f.code for f in lint_source(SETTING_FREEZE.format(flag=flag))]
    assert ("TVL006" in codes) is fires


LOOPED_GROUPS = """\
import torch
from torch import nn

PARTS = [("backbone", 1e-4), ("neck", 1e-3){extra}]


class Detector(nn.Module):
    def __init__(self):
        super().__init__()
        self.backbone = nn.Conv2d(3, 16, 3)
        self.neck = nn.Conv2d(16, 16, 1)
        self.head = nn.Conv2d(16, 4, 1)

    def forward(self, x):
        return self.head(self.neck(self.backbone(x)))


det = Detector()
groups = []
for part, lr in PARTS:
    chosen = [w for key, w in det.named_parameters() if key.startswith(part + ".")]
    groups.append(dict(params=chosen, lr=lr))
opt = torch.optim.SGD(groups, momentum=0.9)
for images, targets in [(torch.randn(2, 3, 8, 8), torch.randn(2, 4, 6, 6))]:
    loss = (det(images) - targets).pow(2).mean()
    opt.zero_grad()
    loss.backward()
    opt.step()
"""


@pytest.mark.parametrize(("extra", "fires"), [("", True), (', ("head", 1e-3)', False)])
def test_groups_appended_per_configured_prefix_leave_out_an_unlisted_part(extra, fires):
    """One group per configured prefix: the evaluator gives the prefixes, each a group; the head
    matches none of them until the configuration lists it."""
    codes = [f.code for f in lint_source(LOOPED_GROUPS.format(extra=extra))]
    assert ("TVL006" in codes) is fires
