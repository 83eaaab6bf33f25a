"""Round 19's ways of writing for TVL004 and TVL006, each with the twin that differs by the fix:
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
