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


GROUPS_BY_MODE = """\
import torch
from torch import nn

MODE = "{mode}"


class Tagger(nn.Module):
    def __init__(self):
        super().__init__()
        self.encoder = nn.GRU(32, 64, batch_first=True)
        self.classifier = nn.Linear(64, 9)

    def forward(self, x):
        h, _ = self.encoder(x)
        return self.classifier(h)


def trainable_groups(net, mode):
    if mode == "probe":
        groups = [{{"params": net.classifier.parameters(), "lr": 1e-2}}]
    else:
        groups = [{{"params": net.encoder.parameters(), "lr": 1e-4}}, {{"params": net.classifier.parameters()}}]
    return groups


def make_opt(net, mode):
    return torch.optim.AdamW(trainable_groups(net, mode), lr=1e-3)


net = Tagger()
opt = make_opt(net, MODE)
for it in range(100):
    x, y = torch.randn(8, 20, 32), torch.randint(0, 9, (8, 20))
    loss = nn.functional.cross_entropy(net(x).flatten(0, 1), y.flatten())
    opt.zero_grad()
    loss.backward()
    opt.step()
"""


@pytest.mark.parametrize(("mode", "fires"), [("probe", True), ("full", False)])
def test_param_groups_a_helper_returns_for_the_mode_the_file_runs(mode, fires):
    assert ("TVL006" in _codes(GROUPS_BY_MODE.format(mode=mode))) is fires


HEAD_ONLY_WITH_COMMENT = """\
import torch
from torch import nn


class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.body = nn.Sequential(nn.Conv1d(3, 16, 5), nn.ReLU(), nn.AdaptiveAvgPool1d(1), nn.Flatten())
        self.top = nn.Linear(16, 4)

    def forward(self, x):
        return self.top(self.body(x))


# fine-tune the last layer; we never freeze anything by hand, the optimizer picks what moves
model = Net()
{fix}
opt = torch.optim.SGD(model.top.parameters(), lr=0.05)
for step in range(200):
    sig, lab = torch.randn(32, 3, 128), torch.randint(0, 4, (32,))
    loss = nn.functional.cross_entropy(model(sig), lab)
    opt.zero_grad()
    loss.backward()
    opt.step()
    if step % 50 == 0:
        with torch.no_grad():
            print(step, (model(sig).argmax(1) == lab).float().mean().item())
"""


@pytest.mark.parametrize(("fix", "fires"), [("", True), ("model.body.requires_grad_(False)", False)])
def test_a_comment_that_mentions_freezing_is_not_a_freeze(fix, fires):
    assert ("TVL006" in _codes(HEAD_ONLY_WITH_COMMENT.format(fix=fix))) is fires


def test_a_freeze_helper_the_file_cannot_see_into_still_counts():
    src = HEAD_ONLY_WITH_COMMENT.format(fix="freeze_module(model.body)").replace("import torch\n", "import torch\nfrom mylib import freeze_module\n")
    assert "TVL006" not in _codes(src)


LOOP_CALLS_PASS_TWICE = """\
import torch
from torch import nn
from torch.utils.data import DataLoader, TensorDataset


def run_pass(net, loader, opt, update, need_grads):
    net.train(update)
    total = 0.0
    with torch.set_grad_enabled(need_grads):
        for x, y in loader:
            loss = nn.functional.mse_loss(net(x), y)
            if need_grads:
                opt.zero_grad()
                loss.backward()
                opt.step()
            total += loss.item()
    return total / len(loader)


net = nn.Sequential(nn.Linear(5, 32), nn.BatchNorm1d(32), nn.ReLU(), nn.Linear(32, 1))
opt = torch.optim.SGD(net.parameters(), lr=0.01, momentum=0.9)
train_dl = DataLoader(TensorDataset(torch.randn(256, 5), torch.randn(256, 1)), batch_size=32, shuffle=True)
val_dl = DataLoader(TensorDataset(torch.randn(64, 5), torch.randn(64, 1)), batch_size=32)
for epoch in range(10):
    fit = run_pass(net, train_dl, opt, True, True)
    held = run_pass(net, val_dl, opt, False, {grads})
    print(epoch, fit, held)
"""


@pytest.mark.parametrize(("grads", "fires"), [("True", True), ("False", False)])
def test_a_pass_handed_validation_data_in_the_epoch_loop(grads, fires):
    assert ("TVL004" in _codes(LOOP_CALLS_PASS_TWICE.format(grads=grads))) is fires


def test_groups_a_helper_builds_for_the_settings_judged_where_the_optimizer_takes_them_directly():
    direct = "opt = torch.optim.AdamW(trainable_groups(net, MODE), lr=1e-3)"
    probe, full = (GROUPS_BY_MODE.format(mode=m).replace("opt = make_opt(net, MODE)", direct) for m in ("probe", "full"))
    assert "TVL006" in _codes(probe)
    assert "TVL006" not in _codes(full)
