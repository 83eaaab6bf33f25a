"""Values a rule needs that a helper of the file builds or reads (round 19): a schedule made in a
setup function that returns several things, a loader flag read with a default from a config
that never sets it. Each case is a buggy form and its clean twin that differ only by the fix."""

from __future__ import annotations

import pytest

from torchvitals.lint import lint_source


def _codes(src: str) -> set[str]:
    return {f.code for f in lint_source(src, "<t>")}


SETUP_RETURNS_SCHEDULE = """\
import torch
from torch import nn

EPOCHS, ITERS = 30, 400


def setup(net, span, {extra}):
    opt = torch.optim.SGD(net.parameters(), lr=0.05, momentum=0.9)
    sch = {sched}
    return {{"opt": opt, "sched": sch}}, net


def run():
    net = nn.Linear(10, 2)
    parts, net = setup(net, {passed})
    opt, sch = parts["opt"], parts["sched"]
    for ep in range(EPOCHS):
        for _ in range(ITERS):
            x, y = torch.randn(8, 10), torch.randint(0, 2, (8,))
            loss = nn.functional.cross_entropy(net(x), y)
            opt.zero_grad()
            loss.backward()
            opt.step()
            sch.step()


run()
"""


@pytest.mark.parametrize(
    ("sched", "passed", "fires"),
    [
        ("torch.optim.lr_scheduler.CosineAnnealingLR(opt, span)", "EPOCHS", True),
        ("torch.optim.lr_scheduler.CosineAnnealingLR(opt, span * n_iters)", "EPOCHS, n_iters=ITERS", False),
        ("torch.optim.lr_scheduler.CosineAnnealingLR(opt, span)", "EPOCHS * ITERS", False),  # the count of batches
        ("torch.optim.lr_scheduler.LinearLR(opt, 1.0, 0.01, total_iters=span)", "EPOCHS", True),
        ("torch.optim.lr_scheduler.LinearLR(opt, 1.0, 0.01, total_iters=n_iters)", "EPOCHS, n_iters=ITERS * EPOCHS", False),
    ],
)
def test_a_schedule_built_by_a_setup_helper_is_judged_by_its_period(sched, passed, fires):
    src = SETUP_RETURNS_SCHEDULE.format(sched=sched, passed=passed, extra="n_iters=1")
    assert ("TVL007" in _codes(src)) is fires


NAMESPACE_LOADERS = """\
from types import SimpleNamespace

import torch
from torch.utils.data import DataLoader, TensorDataset

SPLITS = {{
    "fit": {{"rows": 512, "bs": 32{fit_extra}}},
    "holdout": {{"rows": 128, "bs": 128}},
}}


def loader_for(name):
    opts = SimpleNamespace(**SPLITS[name])
    data = TensorDataset(torch.randn(opts.rows, 6), torch.randn(opts.rows, 1))
    return DataLoader(data, batch_size=opts.bs, shuffle=getattr(opts, "shuffle", False))


net = torch.nn.Linear(6, 1)
opt = torch.optim.Adam(net.parameters())
fit_batches = loader_for("fit")
{after}
for _ in range(5):
    for xb, yb in fit_batches:
        opt.zero_grad()
        torch.nn.functional.mse_loss(net(xb), yb).backward()
        opt.step()
"""


@pytest.mark.parametrize(
    ("fit_extra", "after", "fires"),
    [
        ("", "", True),  # the fit entry never sets shuffle: getattr's default, False
        (', "shuffle": True', "", False),
        (', "shuffle": False', "", True),
        ("", 'SPLITS["fit"]["shuffle"] = True', False),  # written afterwards: unknown
    ],
)
def test_a_loader_flag_read_with_getattr_and_a_default_from_a_namespace(fit_extra, after, fires):
    src = NAMESPACE_LOADERS.format(fit_extra=fit_extra, after=after)
    assert ("TVL015" in _codes(src)) is fires


EVENT_RUNNER = """\
import torch
from torch import nn


class ClipCallback:
    def on_grads_ready(self, trainer):
        nn.utils.clip_grad_value_(trainer.net.parameters(), 0.5)


class LogCallback:
    def on_grads_ready(self, trainer):
        trainer.seen += 1


class Trainer:
    def __init__(self, net, opt, callbacks):
        self.net, self.opt, self.callbacks = net, opt, callbacks
        self.amp = torch.cuda.amp.GradScaler()
        self.seen = 0

    def fire(self, event):
        for cb in self.callbacks:
            getattr(cb, event)(self)

    def fit(self, batches, epochs):
        for _ in range(epochs):
            for x, y in batches:
                self.opt.zero_grad()
                with torch.autocast("cuda"):
                    loss = nn.functional.mse_loss(self.net(x), y)
                self.amp.scale(loss).backward(){unscale}
                self.fire("on_grads_ready")
                self.amp.step(self.opt)
                self.amp.update()


net = nn.Linear(4, 1)
Trainer(net, torch.optim.SGD(net.parameters(), lr=0.1), [LogCallback(), ClipCallback()]).fit(
    [(torch.randn(8, 4), torch.randn(8, 1))], 3)
"""


@pytest.mark.parametrize(("unscale", "fires"), [("", True), ("\n                self.amp.unscale_(self.opt)", False)])
def test_a_clip_in_a_callback_fired_by_event_name_before_unscale(unscale, fires):
    assert ("TVL016" in _codes(EVENT_RUNNER.format(unscale=unscale))) is fires


ROWS_TO_TENSORS = """\
import numpy as np
import pandas as pd
import torch
from torch.utils.data import DataLoader, TensorDataset

COLS = ["a", "b", "c"]


def score_loader(frame):
    feats = torch.from_numpy(frame[COLS].to_numpy()).float()
    return DataLoader(TensorDataset(feats), batch_size=64, shuffle={shuffle})


holdout = pd.DataFrame(np.random.rand(300, 3), columns=COLS).assign(y=np.random.rand(300))
net = torch.nn.Linear(3, 1)
net.eval()
outs = []
with torch.no_grad():
    for (xb,) in score_loader(holdout):
        outs.append(net(xb).squeeze(1).numpy())
err = np.abs(np.concatenate(outs) - holdout["y"].to_numpy()).mean()
print(err)
"""


@pytest.mark.parametrize(("shuffle", "fires"), [("True", True), ("False", False)])
def test_a_shuffled_loader_over_tensors_cut_from_a_frames_columns(shuffle, fires):
    assert ("TVL017" in _codes(ROWS_TO_TENSORS.format(shuffle=shuffle))) is fires
