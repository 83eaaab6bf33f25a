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
