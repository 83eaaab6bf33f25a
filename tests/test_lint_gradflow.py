"""TVL001/TVL002 (gradflow.py, cutflow.py): forms of writing that hide, or only look like, a
model cut out of the loss. Each case is a buggy form beside its clean twin."""

from __future__ import annotations

import ast

import pytest

from torchvitals.lint.engine import build, run_rules
from torchvitals.lint.rules import CHECKS


def codes(src: str) -> set[str]:
    """TVL001/TVL002 found on `src`, the pre-filter bypassed."""
    found = {f.code for f in run_rules(build("<test>", src, ast.parse(src)), CHECKS)}
    return found & {"TVL001", "TVL002"}


# ---- a copy frozen as it is built is no trained model, whatever optimizer owns it ------------

MOMENTUM_TEACHER = """\
import copy

import torch
import torch.nn as nn


class Distiller(nn.Module):
    def __init__(self, student):
        super().__init__()
        self.student = student
        self.teacher = {teacher}

    def loss(self, x):
        s = self.student(x)
        t = self.teacher(x).detach()
        return (s - t).pow(2).mean()


def fit(loader):
    net = Distiller(nn.Sequential(nn.Linear(16, 16), nn.Tanh(), nn.Linear(16, 8)))
    opt = torch.optim.SGD(net.parameters(), lr=0.01)
    for xb in loader:
        loss = net.loss(xb)
        opt.zero_grad()
        loss.backward()
        opt.step()
"""


@pytest.mark.parametrize(
    ("teacher", "found"),
    [
        ("copy.deepcopy(student)", {"TVL002"}),  # a trained copy whose output is detached
        ("copy.deepcopy(student).requires_grad_(False)", set()),
        ("copy.deepcopy(student).eval().requires_grad_(False)", set()),
        ("copy.deepcopy(student).requires_grad_(False).eval()", set()),
    ],
)
def test_a_copy_frozen_as_it_is_built_is_not_cut(teacher, found):
    assert codes(MOMENTUM_TEACHER.format(teacher=teacher)) == found


# ---- a weight penalty beside a cut forward does not make the model live ----------------------

PENALTY_HELPER = """\
import torch
import torch.nn as nn


def weight_cost(net, lam=1e-4):
    return lam * sum(w.square().sum() for w in net.parameters())


def decay_cost(net):
    return torch.stack([w.norm() for n, w in net.named_parameters() if "bias" not in n]).sum()


def activity_cost(h):
    return 1e-3 * h.pow(2).mean()


def train(loader, epochs=3):
    net = nn.Sequential(nn.Linear(10, 32), nn.GELU(), nn.Linear(32, 1))
    opt = torch.optim.AdamW(net.parameters(), lr=3e-4)
    for _ in range(epochs):
        for xb, yb in loader:
            {forward}
            loss = nn.functional.smooth_l1_loss(out, yb) + {penalty}
            opt.zero_grad()
            loss.backward()
            opt.step()
"""


@pytest.mark.parametrize(
    ("forward", "penalty", "found"),
    [
        ("out = net(xb).detach()", "weight_cost(net)", {"TVL002"}),
        ("out = net(xb)", "weight_cost(net)", set()),
        ("out = torch.tensor(net(xb).tolist())", "weight_cost(net, 1e-3)", {"TVL002"}),
        ("out = net(xb).detach()", "0.1 * net(xb).abs().mean()", set()),  # a live forward beside it
        ("out = net(xb).detach()", "activity_cost(net(xb))", set()),  # a penalty on activations is live
        ("out = net(xb).detach()", "decay_cost(net)", {"TVL002"}),
        ("out = net(xb)", "decay_cost(net)", set()),
    ],
)
def test_a_weight_penalty_helper_is_no_live_path(forward, penalty, found):
    assert codes(PENALTY_HELPER.format(forward=forward, penalty=penalty)) == found


# A module's own method: its output cut by another method, a penalty on a gate parameter beside it.
GATED_MODULE = """\
import torch
import torch.nn as nn


class Scorer(nn.Module):
    def __init__(self, d):
        super().__init__()
        self.mask = nn.Parameter(torch.ones(d))
        self.body = nn.Sequential(nn.Linear(d, 16), nn.ReLU(), nn.Linear(16, 1))
        self.alpha = 0.01

    def forward(self, x):
        return self.body(x * self.mask).squeeze(-1)

    def infer(self, x):
        return {infer}

    def objective(self, x, y):
        return ((self.{used}(x) - y) ** 2).mean() + self.alpha * self.mask.abs().sum()


scorer = Scorer(12)
opt = torch.optim.SGD(scorer.parameters(), lr=0.05)
for xb, yb in batches:
    opt.zero_grad()
    scorer.objective(xb, yb).backward()
    opt.step()
"""


@pytest.mark.parametrize(
    ("infer", "used", "found"),
    [
        ("self(x).detach()", "infer", {"TVL002"}),
        ("self(x)", "infer", set()),
        ("self(x).detach()", "forward", set()),  # the method used for the loss runs live
    ],
)
def test_a_module_method_cutting_its_own_output_beside_a_gate_penalty(infer, used, found):
    assert codes(GATED_MODULE.format(infer=infer, used=used)) == found


# ---- a loop freezing several modules' parameters joined into one iterable --------------------

JOINED_FREEZE = """\
import copy
import itertools

import torch
import torch.nn as nn

body = nn.Sequential(nn.Linear(20, 32), nn.ReLU())
head = nn.Linear(32, 4)
ema_body, ema_head = copy.deepcopy(body), copy.deepcopy(head)
frozen_params = {joined}
for w in frozen_params:
    w.requires_grad = False
opt = torch.optim.Adam(itertools.chain(body.parameters(), head.parameters(), ema_body.parameters(), ema_head.parameters()))

for xb in torch.randn(50, 8, 20):
    student = head(body(xb))
    teacher = ema_head(ema_body(xb)).detach()
    loss = (student.softmax(-1) - teacher.softmax(-1)).pow(2).sum(-1).mean()
    opt.zero_grad()
    loss.backward()
    opt.step()
"""


@pytest.mark.parametrize(
    ("joined", "found"),
    [
        ("list(ema_body.parameters())", {"TVL002"}),  # ema_head stays trained, and is detached
        ("list(ema_body.parameters()) + list(ema_head.parameters())", set()),
        ("itertools.chain(ema_body.parameters(), ema_head.parameters())", set()),
        ("[*ema_body.parameters(), *ema_head.parameters()]", set()),
    ],
)
def test_a_loop_over_joined_parameters_freezes_every_module_joined(joined, found):
    assert codes(JOINED_FREEZE.format(joined=joined)) == found


# ---- a method of a tensor's `.data` is no forward of the model the tensor came from ----------

DATA_METHODS = """\
import torch
import torch.nn as nn


def standardize(feats):
    mu = feats.data.mean(0, keepdim=True)
    sd = feats.data.std(0, keepdim=True).add(1e-5)
    return ({centred} - mu) / sd


class Probe:
    def __init__(self):
        self.backbone = nn.Sequential(nn.Linear(12, 24), nn.GELU(), nn.Linear(24, 6))
        self.opt = torch.optim.SGD(self.backbone.parameters(), lr=0.1)

    def fit(self, batches):
        for xb, target in batches:
            z = standardize(self.backbone(xb))
            loss = nn.functional.mse_loss(z, target)
            self.opt.zero_grad()
            loss.backward()
            self.opt.step()
"""


@pytest.mark.parametrize(
    ("centred", "found"),
    [
        ("feats.data", {"TVL002"}),  # every path to the loss goes through `.data`
        ("feats", set()),  # statistics of `.data`, the features themselves live
    ],
)
def test_a_method_of_data_is_no_live_forward(centred, found):
    assert codes(DATA_METHODS.format(centred=centred)) == found


# ---- a number taken out for the environment is not the path that carries the model's output --

ACTION_NUMBER = """\
import gymnasium as gym
import torch
import torch.nn as nn


class Agent:
    def __init__(self):
        self.policy = nn.Sequential(nn.Linear(4, 32), nn.ReLU(), nn.Linear(32, 2))
        self.opt = torch.optim.Adam(self.policy.parameters(), lr=1e-3)

    def episode(self, env):
        state, _ = env.reset()
        scores, rewards = [], []
        done = False
        while not done:
            x = torch.as_tensor(state, dtype=torch.float32)
{scoring}
            action = torch.distributions.Categorical(logits=logits).sample()
            scores.append(torch.log_softmax(logits, -1)[action])
            state, reward, term, trunc, _ = env.step(action.item())
            rewards.append(reward)
            done = term or trunc
        return torch.stack(scores), torch.tensor(rewards)

    def learn(self, env):
        logp, rewards = self.episode(env)
        loss = -(logp * (rewards - rewards.mean())).sum()
        self.opt.zero_grad()
        loss.backward()
        self.opt.step()


Agent().learn(gym.make("CartPole-v1"))
"""


@pytest.mark.parametrize(
    ("scoring", "found"),
    [
        ("            with torch.no_grad():\n                logits = self.policy(x)", {"TVL001"}),
        ("            logits = self.policy(x)", set()),  # the action's number steers the env only
    ],
)
def test_a_number_handed_to_the_environment_is_not_the_cut_reported(scoring, found):
    assert codes(ACTION_NUMBER.format(scoring=scoring)) == found


# ---- an optimizer handed to the object whose method steps it --------------------------------

HANDED_OPTIMIZER = """\
import torch
import torch.nn as nn


class Calibrated(nn.Module):
    def __init__(self, body):
        super().__init__()
        self.body = body
        self.log_t = nn.Parameter(torch.zeros(()))

    def features(self, x):
        with torch.no_grad():
            return self.body(x)

    def scores(self, x):
        return self.features(x) * self.log_t.neg().exp()


class Fitter:
    def __init__(self, net, opt):
        self.net, self.opt = net, opt

    def run(self, batches):
        for x, y in batches:
            loss = nn.functional.cross_entropy(self.net.scores(x), y)
            self.opt.zero_grad()
            loss.backward()
            self.opt.step()


def main(batches):
    wrapper = Calibrated(nn.Sequential(nn.Linear(30, 64), nn.ReLU(), nn.Linear(64, 5)))
    opt = torch.optim.SGD({params}, lr=0.01)
    fitter = Fitter(wrapper, opt)
    fitter.run(batches)
"""


@pytest.mark.parametrize(
    ("params", "found"),
    [
        ("wrapper.parameters()", {"TVL001"}),  # the body is trained, and runs under no_grad
        ("[wrapper.log_t]", set()),  # temperature scaling: only the temperature is fitted
    ],
)
def test_an_optimizer_handed_to_the_stepping_object_says_what_is_trained(params, found):
    assert codes(HANDED_OPTIMIZER.format(params=params)) == found
