"""Ways of writing for TVL003, TVL004, TVL006, TVL007 and TVL012 where the training loop is
split over objects of the file, each with the twin that differs by the fix: a wrapper whose own
`train()` switches the modules it holds, a hook a helper of the loop runs by name, one name-split
parameter group, schedules stepped through a loop over a collection, an accelerator-like shim
whose `backward(loss)` differentiates its argument, a hook clearing under the test that guards the step."""

from __future__ import annotations

import pytest

from torchvitals.lint.files import lint_source


def _codes(src: str) -> set[str]:
    return {f.code for f in lint_source(src, "snippet.py")}


WRAPPER = """\
import torch
from torch import nn


class Pair(nn.Module):
    def __init__(self, trainee, frozen):
        super().__init__()
        self.trainee, self.frozen = trainee, frozen

    def train(self, mode=True):
{switch}
        self.frozen.eval()
        return self

    def forward(self, x):
        with torch.no_grad():
            target = self.frozen(x)
        return nn.functional.mse_loss(self.trainee(x), target)


enc = nn.Sequential(nn.Linear(8, 8), nn.Dropout(0.2), nn.Linear(8, 4))
ref = nn.Sequential(nn.Linear(8, 4))
pair = Pair(trainee=enc, frozen=ref)
opt = torch.optim.SGD(enc.parameters(), lr=0.1)
batches = [torch.randn(16, 8) for _ in range(10)]
for epoch in range(5):
    pair.train()
    for x in batches:
        opt.zero_grad()
        pair(x).backward()
        opt.step()
    enc.eval()
    with torch.no_grad():
        print(sum(enc(x).sum().item() for x in batches))
"""


HELPER_EVAL = """\
    enc.eval()
    with torch.no_grad():
        print(sum(enc(x).sum().item() for x in batches))
"""
BY_HELPER = """\
    check(enc, batches)


def check(net, data):
    net.eval()
    with torch.no_grad():
        print(sum(net(x).sum().item() for x in data))
"""


@pytest.mark.parametrize("tail", [HELPER_EVAL, BY_HELPER], ids=["inline", "helper"])
@pytest.mark.parametrize(("switch", "fires"), [("        self.trainee.train(mode)", False), ("        pass", True)])
def test_a_wrapper_whose_train_switches_the_module_it_holds(switch, fires, tail):
    src = WRAPPER.format(switch=switch).replace(HELPER_EVAL, tail)
    assert ("TVL004" in _codes(src)) is fires


RUNNER = """\
import torch
from torch import nn


class Callback:
    def on_backward(self): pass
    def on_step_end(self): pass


class Stepper(Callback):
    def on_backward(self):
        self.runner.opt.step()
{clear}

class Runner:
    def __init__(self, net, opt, callbacks):
        self.net, self.opt, self.callbacks = net, opt, callbacks
        for cb in callbacks:
            cb.runner = self

    def emit(self, event):
        for cb in self.callbacks:
            handler = getattr(cb, event, None)
            if handler is not None:
                handler()

    def one_step(self, x, y):
        loss = nn.functional.l1_loss(self.net(x), y)
        loss.backward()
        self.emit("on_backward")
        return loss.item()

    def run(self, batches, epochs):
        for _ in range(epochs):
            for x, y in batches:
                self.one_step(x, y)
                self.emit("on_step_end")


net = nn.Linear(3, 1)
Runner(net, torch.optim.Adam(net.parameters()), [Stepper()]).run([(torch.randn(4, 3), torch.randn(4, 1))], 3)
"""


@pytest.mark.parametrize(("clear", "fires"), [("        self.runner.opt.zero_grad()\n", False), ("", True)])
def test_a_hook_run_by_name_from_a_helper_of_the_loop_steps(clear, fires):
    assert ("TVL003" in _codes(RUNNER.format(clear=clear))) is fires


ONE_GROUP = """\
import torch
from torch import nn


class Tagger(nn.Module):
    def __init__(self):
        super().__init__()
        self.proj = nn.Linear(32, 64)
        self.bn = nn.BatchNorm1d(64)
        self.out = nn.Linear(64, 5)

    def forward(self, x):
        return self.out(torch.relu(self.bn(self.proj(x))))


net = Tagger()
plain = [p for name, p in net.named_parameters() if not name.startswith("bn")]
groups = [{{"params": plain, "weight_decay": 1e-4}}{other}]
opt = torch.optim.SGD(groups, lr=0.1, momentum=0.9)
for step in range(100):
    x, y = torch.randn(16, 32), torch.randint(0, 5, (16,))
    opt.zero_grad()
    nn.functional.cross_entropy(net(x), y).backward()
    opt.step()
"""

NORM_GROUP = ',\n          {"params": [p for name, p in net.named_parameters() if name.startswith("bn")], "weight_decay": 0.0}'


@pytest.mark.parametrize(("other", "fires"), [(NORM_GROUP, False), ("", True)])
def test_one_name_split_group_whose_twin_was_never_added(other, fires):
    assert ("TVL006" in _codes(ONE_GROUP.format(other=other))) is fires


COLLECTION = """\
import torch
from torch import nn
from torch.optim.lr_scheduler import StepLR


def advance(lr_schedulers):
    for sch in lr_schedulers:
        sch.step()


net = nn.Linear(6, 2)
opt = torch.optim.SGD(net.parameters(), lr=0.1)
plan = [StepLR(opt, step_size=30, gamma=0.1)]
loader = [(torch.randn(8, 6), torch.randint(0, 2, (8,))) for _ in range(50)]
for epoch in range(90):
    for x, y in loader:
        opt.zero_grad()
        nn.functional.cross_entropy(net(x), y).backward()
        opt.step()
{per_batch}    {per_epoch}
"""


INLINE = "for scheduler in plan:\n            scheduler.step()"


@pytest.mark.parametrize(
    ("per_batch", "per_epoch", "fires"),
    [
        ("", "advance(plan)", False),
        ("        advance(plan)\n", "pass", True),
        ("", INLINE.replace("    ", "", 1), False),
        (f"        {INLINE}\n", "pass", True),
    ],
)
def test_schedules_stepped_through_a_loop_over_a_collection(per_batch, per_epoch, fires):
    assert ("TVL007" in _codes(COLLECTION.format(per_batch=per_batch, per_epoch=per_epoch))) is fires


SHIM = """\
import torch
from torch import nn


class Booster:
    def backward(self, objective):
        objective.backward()


def terms_of(pred, y):
    mse = nn.functional.mse_loss(pred, y)
    l1 = nn.functional.l1_loss(pred, y)
    return {{"total": mse + 0.1 * l1, "mse": mse, "l1": l1}}


net = nn.Linear(5, 1)
opt = torch.optim.Adam(net.parameters())
booster = Booster()
for epoch in range(3):
    meter = {{"total": 0.0, "mse": 0.0, "l1": 0.0}}
    for _ in range(20):
        x, y = torch.randn(8, 5), torch.randn(8, 1)
        terms = terms_of(net(x), y)
        opt.zero_grad()
        booster.backward(terms["total"])
        opt.step()
        for k, v in terms.items():
            meter[k] += {value}
    print(meter)
"""


@pytest.mark.parametrize(("value", "fires"), [("v.item()", False), ("v", True)])
def test_an_accelerator_shim_backpropagates_the_entry_it_is_given(value, fires):
    assert ("TVL012" in _codes(SHIM.format(value=value))) is fires


GUARDED = """\
import torch
from torch import nn


class Hook:
    def after_backward(self, runner): pass
    def after_update(self, runner): pass


class Reset(Hook):
    def {event}(self, runner):
        if runner.due():
            runner.opt.zero_grad()


class Runner:
    def __init__(self, net, opt, hooks, every):
        self.net, self.opt, self.hooks, self.every, self.it = net, opt, hooks, every, 0

    def fire(self, event):
        for h in self.hooks:
            getattr(h, event)(self)

    def due(self):
        return self.it % self.every == 0

    def run(self, batches):
        for x, y in batches:
            self.it += 1
            nn.functional.mse_loss(self.net(x), y).backward()
            self.fire("after_backward")
            if self.due():
                self.opt.step()
            self.fire("after_update")


net = nn.Linear(2, 1)
Runner(net, torch.optim.SGD(net.parameters(), lr=0.1), [Reset()], 4).run([(torch.randn(3, 2), torch.randn(3, 1))] * 8)
"""


@pytest.mark.parametrize(("event", "fires"), [("after_update", False), ("after_backward", True)])
def test_a_hook_clears_under_the_test_that_guards_the_step(event, fires):
    assert ("TVL003" in _codes(GUARDED.format(event=event))) is fires
