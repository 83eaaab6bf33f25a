"""Losses picked from a registry by the configuration, and step results handed back only some
of the time (round 21): a callable read out of a dict into a name (`fn = TABLE[cfg["k"]]`, then
`fn(out, y)`) runs the entry the key names; a regression loss wrapped in a lambda or a small
function is judged at the call, where the prediction and the target have their shapes; an
update that returns nothing until its buffer fills still returns its loss tensor the rest of
the time. Each case is a buggy form and its clean twin that differ only by the fix."""

from __future__ import annotations

import ast
import textwrap

import pytest

from torchvitals.lint import lint_source
from torchvitals.lint.dispatch import alternatives
from torchvitals.lint.engine import build


def _codes(src: str) -> set[str]:
    return {f.code for f in lint_source(textwrap.dedent(src), "<t>")}


def test_a_function_read_out_of_a_table_into_a_name_runs_the_entry_the_key_names():
    src = textwrap.dedent("""
        def first(a, b):
            return a
        def second(a, b):
            return b
        OPTS = {"pick": "second"}
        CHOICES = {"first": first, "second": second}
        chosen = CHOICES[OPTS["pick"]]
        chosen(1, 2)
    """)
    ctx = build("<t>", src, ast.parse(src))
    call = next(n for n in ast.walk(ctx.tree) if isinstance(n, ast.Call) and ast.unparse(n) == "chosen(1, 2)")
    assert [t.fn.name for t in alternatives(ctx, call)] == ["second"]


# ---- TVL002: the registry's entry takes numbers out of the prediction ---------------------------

CUT_BY_ENTRY = """\
from dataclasses import dataclass

import torch
from torch import nn


@dataclass
class Opts:
    objective: str = "jaccard"
    steps: int = 50


def jaccard_objective(scores, truth):
    p = torch.sigmoid(scores)
    score = {score}
    return {returned}


def plain_bce(scores, truth):
    return nn.functional.binary_cross_entropy_with_logits(scores, truth)


OBJECTIVES = {{"jaccard": jaccard_objective, "bce": plain_bce}}


def run(opts: Opts):
    net = nn.Sequential(nn.Conv2d(3, 8, 3, padding=1), nn.ReLU(), nn.Conv2d(8, 1, 1))
    {name} = OBJECTIVES[opts.objective]
    sgd = torch.optim.SGD(net.parameters(), lr=0.1)
    for _ in range(opts.steps):
        img, seg = torch.randn(4, 3, 32, 32), (torch.rand(4, 1, 32, 32) > 0.5).float()
        value = {name}(net(img), seg)
        sgd.zero_grad()
        value.backward()
        sgd.step()


run(Opts())
"""


JACCARD = "(p * truth).sum() / (p + truth - p * truth).sum()"


@pytest.mark.parametrize("name", ["criterion", "objective"])  # the second is also the options' field
@pytest.mark.parametrize(("score", "returned", "fires"), [
    (f"float({JACCARD})", "torch.tensor(1.0 - score, requires_grad=True)", True),
    (JACCARD, "1.0 - score", False),
])  # fmt: skip
def test_a_cut_inside_a_loss_picked_from_a_registry_by_the_options(name, score, returned, fires):
    assert ("TVL002" in _codes(CUT_BY_ENTRY.format(name=name, score=score, returned=returned))) is fires


# ---- TVL009: a regression loss wrapped in a lambda or a helper, held in a registry ---------------

WRAPPED = """\
import torch
import torch.nn.functional as F
from torch import nn

HP = {{"criterion": "smooth", "beta": 0.5}}


def smooth(out, tgt, hp):
    return F.smooth_l1_loss(out, tgt, beta=hp["beta"])


CRITERIA = {{
    "abs": lambda out, tgt, hp: F.l1_loss(out, tgt),
    "smooth": {entry},
}}

regressor = nn.Sequential(nn.Linear(6, 32), nn.GELU(), nn.Linear(32, 1))
crit = CRITERIA[HP["criterion"]]
adam = torch.optim.Adam(regressor.parameters(), 3e-4)
feats, price = torch.randn(256, 6), torch.randn(256)
for i in range(0, 256, 32):
    xb, yb = feats[i:i + 32], price[i:i + 32]
    err = crit(regressor(xb), {target}, HP)
    adam.zero_grad()
    err.backward()
    adam.step()
"""


@pytest.mark.parametrize(("entry", "target", "fires"), [
    ("lambda out, tgt, hp: F.smooth_l1_loss(out, tgt, beta=hp['beta'])", "yb", True),
    ("lambda out, tgt, hp: F.smooth_l1_loss(out, tgt, beta=hp['beta'])", "yb.unsqueeze(1)", False),
    ("smooth", "yb", True),
    ("smooth", "yb.unsqueeze(1)", False),
    ("lambda out, tgt, hp: F.smooth_l1_loss(out.squeeze(1), tgt)", "yb", False),  # the wrapper fixes the shape
])  # fmt: skip
def test_a_wrapped_regression_loss_is_judged_where_it_is_called(entry, target, fires):
    assert ("TVL009" in _codes(WRAPPED.format(entry=entry, target=target))) is fires


REGISTERED_CLASS = """\
import torch
import torch.nn.functional as F
from torch import nn


class Tempered(nn.Module):
    def __init__(self, temp=2.0):
        super().__init__()
        self.temp = temp

    def forward(self, guess, truth):
        return F.mse_loss(guess, truth) / self.temp**2


SETTINGS = {{"loss": "{chosen}"}}
LOSS_CLASSES = {{"tempered": Tempered, "plain": nn.L1Loss}}

net = nn.Sequential(nn.Linear(3, 8), nn.ReLU(), nn.Linear(8, 1))
objective = LOSS_CLASSES[SETTINGS["loss"]](temp=4.0)
opt = torch.optim.SGD(net.parameters(), lr=0.01)
inputs, labels = torch.randn(40, 3), torch.randn(40)
for start in range(0, 40, 10):
    feats, label = inputs[start:start + 10], labels[start:start + 10]
    err = objective(net(feats), {target})
    opt.zero_grad()
    err.backward()
    opt.step()
"""


@pytest.mark.parametrize(("target", "fires"), [("label", True), ("label[:, None]", False)])
def test_a_loss_class_built_from_a_registry_by_its_key_runs_its_forward(target, fires):
    assert ("TVL009" in _codes(REGISTERED_CLASS.format(chosen="tempered", target=target))) is fires


# ---- TVL012: an update that returns nothing until it can learn ----------------------------------

WARMING_UPDATE = """\
import torch
from torch import nn


class Learner:
    def __init__(self, warmup):
        self.policy = nn.Linear(4, 2)
        self.optim = torch.optim.RMSprop(self.policy.parameters(), lr=1e-3)
        self.seen, self.warmup = 0, warmup

    def update(self, obs, ret):
        self.seen += 1
        if self.seen < self.warmup:
            return{early}
        value = (self.policy(obs).sum(-1) - ret).pow(2).mean()
        self.optim.zero_grad()
        value.backward()
        self.optim.step()
        return {returned}


learner = Learner(warmup=8)
for rollout in range(100):
    tally = 0.0
    for t in range(20):
        out = learner.update(torch.randn(16, 4), torch.randn(16))
        if out is None:
            continue
        tally += out
    print(rollout, float(tally))
"""


@pytest.mark.parametrize("early", ["", " None", " 0.0"])
@pytest.mark.parametrize(("returned", "fires"), [("value", True), ("value.detach()", False)])
def test_an_update_that_returns_nothing_during_warmup_still_hands_back_its_graph(early, returned, fires):
    assert ("TVL012" in _codes(WARMING_UPDATE.format(early=early, returned=returned))) is fires
